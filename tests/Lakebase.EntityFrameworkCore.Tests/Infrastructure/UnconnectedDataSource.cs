using Lakebase.Npgsql;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

/// <summary>
/// A data source for tests that build options and contexts but never open a connection: its host and credentials are
/// set so that nothing is looked up, and it reads no environment.
/// </summary>
internal static class UnconnectedDataSource
{
    public static LakebaseDataSource Create(string endpointId) =>
        new LakebaseDataSourceBuilder(
                $"projects/p/branches/b/endpoints/{endpointId}",
                new LakebaseOAuthOptions { WorkspaceHost = "https://example.cloud.databricks.com", ClientId = "id", ClientSecret = "never-sent" })
            .Host("127.0.0.1")
            .ReadEnvironment(false)
            .Build();
}
