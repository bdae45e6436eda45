namespace Lakebase.Npgsql.Hosting;

/// <summary>
/// Marks, in a service collection, that the workspace API client <see cref="LakebaseConnectionDefaults.HttpClientName"/>
/// is configured: its handler setup runs once, so a second data source registration does not take off handlers the
/// application added to the client in between.
/// </summary>
internal sealed class LakebaseHttpClientRegistration;
