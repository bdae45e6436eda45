using System.Net.Security;
using Lakebase.Emulator.Compute;
using Lakebase.Emulator.Credentials;
using Microsoft.Extensions.Logging;

namespace Lakebase.Emulator.Postgres;

/// <summary>What every front connection shares. <see cref="Certificate"/> carries the chain up to the emulator CA.</summary>
internal sealed record FrontContext(
    SslStreamCertificateContext Certificate,
    DatabaseTokenStore Tokens,
    EmulatorCounters Counters,
    ComputeState Compute,
    TimeSpan ColdStartDelay,
    string BackendSocketPath,
    ILogger Logger);
