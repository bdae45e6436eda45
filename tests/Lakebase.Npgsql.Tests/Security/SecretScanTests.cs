using System.Security.Cryptography;
using Lakebase.TestUtilities;

namespace Lakebase.Npgsql.Tests.Security;

/// <summary>
/// The secret scan every test's output goes through: it must catch each kind of credential a test does not hold the
/// value of, and let through the ids and names that tests print on purpose.
/// </summary>
public sealed class SecretScanTests
{
    public static TheoryData<string, string> Credentials() => new()
    {
        { "personal access token", "dapi" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) },
        { "personal access token", "dapi" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "-2" },
        { "OAuth secret", "dose" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)) },
        { "OAuth token", "doau" + Base64Url(24) + "7" },
        { "OIDC JWT", "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJ" + Base64Url(60) + "." + Base64Url(256) },
        { "unsigned JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXBvOmFjbWUvYXBwIn0." },
        { "Entra ID access token", "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsIng1dCI6Ik1uQ19WWmNBVGZNNXBPWWlKSE1iYTlnb0VLWSJ9.eyJhdWQiOiIyZmY4MTRhNi0zMzA0In0.c2lnbmF0dXJl" },
        { "Entra ID client secret", "abc8Q~" + "Zx9_k.Lm2~Qw3-Er4Ty5Ui6Op7As8Df9Gh" },
    };

    [Theory]
    [MemberData(nameof(Credentials))]
    public void Each_kind_of_credential_is_flagged_without_printing_it(string kind, string credential)
    {
        var text = $"info: Lakebase.Npgsql[12] Authorization: Bearer {credential} (a {kind})";

        var error = Assert.ThrowsAny<Exception>(() => SecretAssert.DoesNotLeak(text));

        Assert.DoesNotContain(credential, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client 6f1c3a52-9d1e-4c7b-8a3e-2b9f0d4e5a61 signed in")] // a client id (UUID)
    [InlineData("request 6f1c3a529d1e4c7b8a3e2b9f0d4e5a61")] // a UUID without dashes
    [InlineData("endpoint projects/my-project/branches/br-main-1a2b3c/endpoints/ep-primary-4d5e6f")]
    [InlineData("thumbprint 3F2A9C1B7E4D6A8F0B1C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9C0D1E2F3A")] // SHA-256 of a certificate
    [InlineData("Set DATABRICKS_TOKEN (dapi...) or DATABRICKS_CLIENT_SECRET (dose...).")]
    [InlineData("await doAsyncWork(); the doable dosage")]
    [InlineData("host ep-abc.database.us-east-1.cloud.databricks.com, user dev@example.com, app TodoApp")]
    public void Ids_names_and_hints_are_not_taken_for_secrets(string text) => SecretAssert.DoesNotLeak(text);

    private static string Base64Url(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
