using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Lakebase.TestUtilities;

/// <summary>
/// Captures every log line (message and exception text) written through it, so a test can assert what an
/// operator would see, and that no secret ever reaches a log.
/// </summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();

    public IReadOnlyCollection<CapturedLogEntry> Entries => _entries.ToArray();

    /// <summary>Optional sink (for example an xUnit output helper) that sees every line too.</summary>
    public Action<string>? Echo { get; set; }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Clear() => _entries.Clear();

    /// <summary>Removes and returns what was captured so far (a long-lived capture would otherwise grow without bound).</summary>
    public IReadOnlyList<CapturedLogEntry> Drain()
    {
        var drained = new List<CapturedLogEntry>();
        while (_entries.TryDequeue(out var entry))
        {
            drained.Add(entry);
        }

        return drained;
    }

    /// <summary>All captured text, one entry per line, for "does not contain" assertions.</summary>
    public string AllText() => string.Join(Environment.NewLine, _entries.Select(e => e.ToString()));

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Structured state is captured too: a secret passed as a log argument leaks even if the template hides it.
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            var entry = new CapturedLogEntry(category, logLevel, eventId, formatter(state, exception), properties, exception?.ToString());
            owner._entries.Enqueue(entry);
            owner.Echo?.Invoke(entry.ToString());
        }
    }
}

/// <summary>One captured log line.</summary>
public sealed record CapturedLogEntry(string Category, LogLevel Level, EventId EventId, string Message, string Properties, string? Exception)
{
    public override string ToString() => $"[{Level}] {Category} ({EventId.Name}): {Message} {{{Properties}}}{(Exception is null ? string.Empty : Environment.NewLine + Exception)}";
}
