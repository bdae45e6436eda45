using Lakebase.Npgsql;
using Lakebase.Npgsql.Diagnostics;
using Lakebase.EntityFrameworkCore.Infrastructure;

namespace Lakebase.EntityFrameworkCore.Tests.Infrastructure;

public sealed class LakebaseEndpointNameTests
{
    [Fact]
    public void A_well_formed_name_parses_into_its_parts()
    {
        var name = LakebaseEndpointName.Parse(" projects/my-app/branches/production/endpoints/ep-cool-river-123 ");
        Assert.Equal("my-app", name.ProjectId);
        Assert.Equal("production", name.BranchId);
        Assert.Equal("ep-cool-river-123", name.EndpointId);
        Assert.Equal("projects/my-app/branches/production/endpoints/ep-cool-river-123", name.ToString());
    }

    [Theory]
    [InlineData("ep-cool-river-123.database.us-east-1.cloud.databricks.com", "looks like a host name")]
    [InlineData("ep-cool-river-123", "bare id")]
    [InlineData("/projects/p/branches/b/endpoints/e", "leading or trailing '/'")]
    [InlineData("projects/p/branch/b/endpoints/e", "segment names")]
    [InlineData("projects/p/branches//endpoints/e", "segment names")]
    [InlineData("", "LAKEBASE_ENDPOINT")]
    public void A_malformed_name_fails_with_the_expected_format_and_a_hint(string given, string hint)
    {
        var error = Assert.Throws<LakebaseConfigurationException>(() => LakebaseEndpointName.Parse(given));
        Assert.Contains("projects/<project-id>/branches/<branch-id>/endpoints/<endpoint-id>", error.Message);
        Assert.Contains(hint, error.Message);
    }
}
