namespace Lakebase.Emulator;

/// <summary>
/// Faults injected into the workspace API (OIDC and credential endpoints), so clients' retry, backoff and
/// stale-while-error paths can be exercised. Thread-safe; settable from code or <c>POST /emulator/faults</c>.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private long _apiLatencyTicks;
    private long _tokenLifetimeOverrideTicks = -1;
    private int _failuresLeft;
    private int _failureStatus = 503;
    private TimeSpan? _failureRetryAfter;
    private bool _outage;
    private DateTimeOffset? _outageEndsAt;
    private TokenBucket? _credentialRateLimit;
    private MalformedAnswer _malformedAnswer;
    private MalformedAnswerTarget _malformedTarget;
    private int _malformedLeft;

    internal EmulatorFaults(TimeProvider clock) => _clock = clock;

    /// <summary>Faults of the read-only endpoint (suspend, stop, replication lag), independent of the primary; not cleared by <see cref="Reset"/>.</summary>
    public ReadReplicaFaults ReadReplica { get; } = new();

    /// <summary>Set by the emulator once its private server exists: crashes it and starts it again.</summary>
    internal Func<CancellationToken, Task>? ServerCrash { get; set; }

    /// <summary>
    /// Crashes the private PostgreSQL server and restarts it, as when a compute's database process dies: it is stopped
    /// in immediate mode (<c>pg_ctl stop -m immediate</c>: no shutdown checkpoint, transactions in flight aborted) and
    /// started again, replaying its WAL. Every session through the front drops; logins while it restarts are refused
    /// with 57P03 (transient), and the front connects new sessions to the restarted server. Without
    /// <see cref="LakebaseEmulatorOptions.DurableStorage"/> the last acknowledged commits may be lost.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the stop; once stopped, the server is always started again.</param>
    /// <returns>A task that completes when the restarted server accepts connections.</returns>
    public Task CrashServerAsync(CancellationToken cancellationToken = default) =>
        (ServerCrash ?? throw new InvalidOperationException("The emulator has not been started (use LakebaseEmulator.StartAsync)."))(cancellationToken);

    /// <summary>Faults of the branch API (branch creations that end in an error); cleared by <see cref="Reset"/>.</summary>
    public BranchFaults Branches { get; } = new();

    /// <summary>Delay added before every OIDC and credential response.</summary>
    public TimeSpan ApiLatency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _apiLatencyTicks));
        set => Interlocked.Exchange(ref _apiLatencyTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>When set, every minted database token lives this long, whatever the request's <c>ttl</c> (e.g. 3 s to see rotation quickly).</summary>
    public TimeSpan? TokenLifetimeOverride
    {
        get => Interlocked.Read(ref _tokenLifetimeOverrideTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;
        set => Interlocked.Exchange(ref _tokenLifetimeOverrideTicks, value is { } v ? Math.Max(0, v.Ticks) : -1);
    }

    /// <summary>Whether an outage is in progress (every OIDC and credential request fails with 503).</summary>
    public bool OutageActive
    {
        get
        {
            lock (_gate)
            {
                return IsOutageActiveLocked();
            }
        }
    }

    /// <summary>Requests still to be failed by <see cref="FailNextApiRequests"/>.</summary>
    public int PendingFailures => Volatile.Read(ref _failuresLeft);

    /// <summary>
    /// Fails the next <paramref name="count"/> OIDC/credential requests (<see cref="int.MaxValue"/>: until <see cref="Reset"/>)
    /// with <paramref name="statusCode"/>: 503 TEMPORARILY_UNAVAILABLE, 429 RESOURCE_EXHAUSTED, 500 INTERNAL_ERROR, or any other status.
    /// </summary>
    /// <param name="count">How many requests fail.</param>
    /// <param name="statusCode">The HTTP status of the failures.</param>
    /// <param name="retryAfter">Sent as a <c>Retry-After</c> header (whole seconds); 429 gets 1 s when not given.</param>
    public void FailNextApiRequests(int count, int statusCode = 503, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        lock (_gate)
        {
            _failureStatus = statusCode;
            _failureRetryAfter = retryAfter;
            Volatile.Write(ref _failuresLeft, count);
        }
    }

    /// <summary>Makes every OIDC/credential request fail with 503 until <see cref="EndOutage"/> or until <paramref name="duration"/> passes.</summary>
    /// <param name="duration">How long the outage lasts (on the emulator's <see cref="TimeProvider"/>); <see langword="null"/>: until ended.</param>
    public void StartOutage(TimeSpan? duration = null)
    {
        lock (_gate)
        {
            _outage = true;
            _outageEndsAt = duration is { } d ? _clock.GetUtcNow() + d : null;
        }
    }

    /// <summary>Ends an outage started by <see cref="StartOutage"/>.</summary>
    public void EndOutage()
    {
        lock (_gate)
        {
            _outage = false;
            _outageEndsAt = null;
        }
    }

    /// <summary>The credential API's rate limit set by <see cref="RateLimitCredentials"/>: requests per minute and burst; <see langword="null"/> when off.</summary>
    public (double RequestsPerMinute, int Burst)? CredentialRateLimit
    {
        get
        {
            lock (_gate)
            {
                return _credentialRateLimit is { } bucket ? (bucket.RatePerMinute, bucket.Burst) : null;
            }
        }
    }

    /// <summary>
    /// Rate-limits the credential APIs (Autoscaling and Provisioned) with a token bucket, as the workspace does: up to
    /// <paramref name="burst"/> requests at once, refilled at <paramref name="requestsPerMinute"/> on the emulator's
    /// <see cref="TimeProvider"/>. A request over the limit gets 429 <c>REQUEST_LIMIT_EXCEEDED</c> with a
    /// <c>Retry-After</c> header (whole seconds until a request would pass). Replaces an earlier limit; the bucket starts full.
    /// </summary>
    /// <param name="requestsPerMinute">The sustained rate; greater than 0.</param>
    /// <param name="burst">The bucket size; at least 1.</param>
    public void RateLimitCredentials(double requestsPerMinute, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(requestsPerMinute);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        lock (_gate)
        {
            _credentialRateLimit = new TokenBucket(requestsPerMinute, burst, _clock.GetUtcNow());
        }
    }

    /// <summary>Removes the limit set by <see cref="RateLimitCredentials"/>.</summary>
    public void ClearCredentialRateLimit()
    {
        lock (_gate)
        {
            _credentialRateLimit = null;
            _malformedLeft = 0;
        }
    }

    /// <summary>Takes one pending malformed answer for <paramref name="target"/>, if any.</summary>
    internal MalformedAnswer? TakeMalformedAnswer(MalformedAnswerTarget target)
    {
        lock (_gate)
        {
            if (_malformedLeft <= 0 || _malformedTarget != target)
            {
                return null;
            }

            if (_malformedLeft != int.MaxValue)
            {
                _malformedLeft--;
            }

            return _malformedAnswer;
        }
    }

    /// <summary>The broken answers still to be given (<see cref="MalformNextAnswers"/>); <see langword="null"/> when none.</summary>
    public (MalformedAnswer Answer, MalformedAnswerTarget Target, int Remaining)? PendingMalformedAnswers
    {
        get
        {
            lock (_gate)
            {
                return _malformedLeft > 0 ? (_malformedAnswer, _malformedTarget, _malformedLeft) : null;
            }
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> answers of <paramref name="target"/> that would have succeeded
    /// (<see cref="int.MaxValue"/>: until <see cref="Reset"/>) come back as <paramref name="answer"/> instead.
    /// Injected failures and the rate limit come first; a request refused for its own reasons does not use one up.
    /// Replaces an earlier setting; a count of 0 clears it.
    /// </summary>
    /// <param name="answer">The kind of broken answer.</param>
    /// <param name="count">How many answers are broken.</param>
    /// <param name="target">The credential APIs (default) or the OAuth token endpoint.</param>
    public void MalformNextAnswers(MalformedAnswer answer, int count = 1, MalformedAnswerTarget target = MalformedAnswerTarget.CredentialApi)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!Enum.IsDefined(answer))
        {
            throw new ArgumentOutOfRangeException(nameof(answer), answer, "Not a known malformed answer.");
        }

        lock (_gate)
        {
            _malformedAnswer = answer;
            _malformedTarget = target;
            _malformedLeft = count;
        }
    }

    /// <summary>Clears every fault: latency, pending failures, outage, the credential rate limit, the token lifetime override, malformed answers and branch faults.</summary>
    public void Reset()
    {
        Branches.Reset();
        ApiLatency = TimeSpan.Zero;
        TokenLifetimeOverride = null;
        lock (_gate)
        {
            Volatile.Write(ref _failuresLeft, 0);
            _failureStatus = 503;
            _failureRetryAfter = null;
            _outage = false;
            _outageEndsAt = null;
            _credentialRateLimit = null;
        }
    }

    /// <summary>Takes one credential request from the rate limit: <see langword="null"/> to pass, else the Retry-After delay.</summary>
    internal TimeSpan? TakeCredentialRequest()
    {
        lock (_gate)
        {
            return _credentialRateLimit?.TryTake(_clock.GetUtcNow());
        }
    }

    /// <summary>Decides whether this request fails; consumes one pending failure if so.</summary>
    internal InjectedFailure? NextFailure()
    {
        lock (_gate)
        {
            if (IsOutageActiveLocked())
            {
                return new InjectedFailure(503, null, Outage: true);
            }

            if (_failuresLeft > 0)
            {
                if (_failuresLeft != int.MaxValue)
                {
                    _failuresLeft--;
                }

                var retryAfter = _failureRetryAfter ?? (_failureStatus == 429 ? TimeSpan.FromSeconds(1) : null);
                return new InjectedFailure(_failureStatus, retryAfter, Outage: false);
            }

            return null;
        }
    }

    private bool IsOutageActiveLocked()
    {
        if (_outage && _outageEndsAt is { } end && _clock.GetUtcNow() >= end)
        {
            _outage = false;
            _outageEndsAt = null;
        }

        return _outage;
    }
}

/// <summary>One injected API failure.</summary>
internal sealed record InjectedFailure(int StatusCode, TimeSpan? RetryAfter, bool Outage);
