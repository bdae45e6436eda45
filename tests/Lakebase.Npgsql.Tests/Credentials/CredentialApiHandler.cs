using System.Net;
using System.Text;

namespace Lakebase.Npgsql.Tests.Credentials;

/// <summary>The credential API: 429 with Retry-After while <see cref="Refuse"/>, else an hour-long credential.</summary>
internal sealed class CredentialApiHandler(TimeProvider clock) : HttpMessageHandler
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    private int _requests;

    public volatile bool Refuse;

    public int Requests => Volatile.Read(ref _requests);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        if (Refuse)
        {
            var refused = FailureBackoffTests.Json(HttpStatusCode.TooManyRequests, """{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"rate limited"}""");
            refused.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(RetryAfter);
            return Task.FromResult(refused);
        }

        var now = clock.GetUtcNow();
        var body = $$"""{"token":"lbdb_test","expire_time":"{{now.AddHours(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}""";
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        response.Headers.Date = now;
        return Task.FromResult(response);
    }
}
