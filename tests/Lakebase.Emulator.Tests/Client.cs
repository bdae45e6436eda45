using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Lakebase.Emulator.Tests;

/// <summary>The calls a Lakebase client makes, done by hand against an emulator.</summary>
internal static class Client
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<HttpResponseMessage> RequestWorkspaceTokenAsync(HttpClient http, LakebaseEmulator emulator, string clientId, string? secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(emulator.WorkspaceUrl, "oidc/v1/token"))
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "all-apis")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        return http.SendAsync(request, Ct);
    }

    public static async Task<string> GetWorkspaceTokenAsync(HttpClient http, LakebaseEmulator emulator, EmulatedPrincipal? principal = null)
    {
        principal ??= emulator.DefaultPrincipal;
        using var response = await RequestWorkspaceTokenAsync(http, emulator, principal.ClientId, principal.ClientSecret);
        response.EnsureSuccessStatusCode();
        return (await ReadJsonAsync(response))["access_token"]!.GetValue<string>();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient http, LakebaseEmulator emulator, string path, string? bearer, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(emulator.WorkspaceUrl, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http.SendAsync(request, Ct);
    }

    public static Task<HttpResponseMessage> RequestCredentialAsync(HttpClient http, LakebaseEmulator emulator, string? bearer, string? endpoint = null) =>
        PostJsonAsync(http, emulator, "api/2.0/postgres/credentials", bearer, new JsonObject { ["endpoint"] = endpoint ?? emulator.EndpointName }.ToJsonString());

    /// <summary>Both HTTP calls, as the plugin does: workspace token, then database token.</summary>
    public static async Task<string> MintViaApiAsync(HttpClient http, LakebaseEmulator emulator, EmulatedPrincipal? principal = null)
    {
        var workspaceToken = await GetWorkspaceTokenAsync(http, emulator, principal);
        using var response = await RequestCredentialAsync(http, emulator, workspaceToken);
        response.EnsureSuccessStatusCode();
        return (await ReadJsonAsync(response))["token"]!.GetValue<string>();
    }

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        (JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct)) as JsonObject)!;

    public static NpgsqlConnection Connection(LakebaseEmulator emulator, string password, EmulatedPrincipal? principal = null, SslMode sslMode = SslMode.VerifyFull, string? user = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(emulator.GetConnectionString(principal))
        {
            Password = password,
            SslMode = sslMode,
            Pooling = false,
            Timeout = 15,
        };
        if (user is not null)
        {
            builder.Username = user;
        }

        return new NpgsqlConnection(builder.ConnectionString);
    }

    public static async Task<NpgsqlConnection> OpenAsync(LakebaseEmulator emulator, string password, EmulatedPrincipal? principal = null)
    {
        var connection = Connection(emulator, password, principal);
        await connection.OpenAsync(Ct);
        return connection;
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }

    /// <summary>Logs in with <paramref name="password"/> as <paramref name="principal"/> and returns what the server calls the session user.</summary>
    public static async Task<string> CurrentUserAsync(LakebaseEmulator emulator, string password, EmulatedPrincipal? principal = null)
    {
        await using var connection = await OpenAsync(emulator, password, principal);
        return (string)(await ScalarAsync(connection, "SELECT current_user"))!;
    }

    public static async Task<PostgresException> LoginFailsAsync(LakebaseEmulator emulator, string password, EmulatedPrincipal? principal = null, SslMode sslMode = SslMode.VerifyFull, string? user = null)
    {
        await using var connection = Connection(emulator, password, principal, sslMode, user);
        return await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync(Ct));
    }
}
