namespace Lakebase.Npgsql.Tests.Integration;

/// <summary>A data source disposed under an open (a host shutting down while a request still connects).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class DisposalTests(EmulatorFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_open_waiting_on_its_credential_when_the_data_source_is_disposed_fails_with_ObjectDisposedException()
    {
        var principal = await fixture.NewPrincipalAsync();
        using var held = new HeldCredentialRequests();
        using var http = new HttpClient(held);
        await using var dataSource = fixture.Builder(principal).UseHttpClient(http).Build();

        // The login has reached the password, and the credential request hangs.
        var open = dataSource.OpenConnectionAsync(Ct).AsTask();
        await held.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await dataSource.DisposeAsync();

        // What a disposed data source says, as Npgsql's own do: not a cancellation nobody asked for, nor Npgsql's
        // "an exception was thrown from the password provider" wrapped around it.
        var error = await Assert.ThrowsAsync<ObjectDisposedException>(() => open.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(typeof(LakebaseDataSource).FullName, error.ObjectName);
    }

    // Passes every workspace call through but holds the database credential request until it is cancelled.
    private sealed class HeldCredentialRequests() : DelegatingHandler(new SocketsHttpHandler())
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.EndsWith("/credentials", StringComparison.Ordinal) != true)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            Arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
