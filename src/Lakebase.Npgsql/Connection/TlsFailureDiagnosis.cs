using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace Lakebase.Npgsql.Connection;

/// <summary>
/// Explains a refused server certificate. Npgsql reports only that its validation callback said no; to tell the user
/// whether the chain, the name or the dates were wrong, this repeats the TLS handshake (PostgreSQL SSLRequest, then
/// TLS) with a callback that records what .NET found, and sends nothing else: no credential ever goes to that server.
/// Runs only after an open already failed on TLS, and is bounded by a short timeout.
/// </summary>
internal static class TlsFailureDiagnosis
{
    private const int SslRequestCode = 80877103;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Whether an open failed because the server's certificate was refused.</summary>
    public static bool IsCertificateFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }

    public static async Task<LakebaseTlsException> ExplainAsync(string host, int port, string? rootCertificate, Exception failure, CancellationToken cancellationToken)
    {
        var (found, detail, _) = await DiagnoseAsync(host, port, rootCertificate, cancellationToken).ConfigureAwait(false);
        var reason = found ?? LakebaseTlsFailure.Unknown;
        return new LakebaseTlsException(
            reason,
            host,
            $"Refused the TLS certificate of {host}:{port}: {detail}. No database token was sent. {FixFor(reason, rootCertificate)} " +
            "Turning verification off (SslMode(SslMode.Require) in code) would send the token to any server that answers.",
            failure);
    }

    /// <summary>What to do about a refused certificate, in the user's terms.</summary>
    public static string FixFor(LakebaseTlsFailure reason, string? rootCertificate) => reason switch
    {
        LakebaseTlsFailure.NameMismatch =>
            $"Connect with the host name the certificate is issued for (Host(...) or PGHOST): for Lakebase, the endpoint's host (ep-....database.<region>.cloud.databricks.com), not an IP address or an alias{(rootCertificate is null ? string.Empty : "; for the local emulator, localhost or 127.0.0.1")}.",
        LakebaseTlsFailure.UntrustedChain => rootCertificate is null
            ? "Lakebase's certificates chain to public roots: check that the system's CA bundle is installed (Debian/Ubuntu: ca-certificates) and that nothing on the way intercepts TLS. For a server with a private CA (such as the local emulator), set RootCertificate(path) or PGSSLROOTCERT to that CA's PEM file."
            : $"The certificate does not chain to the CA in {rootCertificate} (RootCertificate(...) or PGSSLROOTCERT): point it at the CA that signed this server's certificate (the emulator prints its file as PGSSLROOTCERT), or unset it to trust the system's roots.",
        LakebaseTlsFailure.Expired => "Check this machine's clock; if it is right, the server's certificate must be renewed.",
        _ => "Check that Host(...)/PGHOST and Port(...)/PGPORT point at the Lakebase endpoint.",
    };

    /// <summary>
    /// Looks at the server's certificate as Npgsql would verify it (chain to the system's roots or to
    /// <paramref name="rootCertificate"/>, and the host name), without completing the handshake, so nothing is sent.
    /// </summary>
    /// <returns>Null <c>Failure</c> when it verifies; the certificate described either way, when one was presented.</returns>
    public static Task<(LakebaseTlsFailure? Reason, string Detail, string? Certificate)> ProbeAsync(string host, int port, string? rootCertificate, CancellationToken cancellationToken) =>
        DiagnoseAsync(host, port, rootCertificate, cancellationToken);

    private static async Task<(LakebaseTlsFailure? Reason, string Detail, string? Certificate)> DiagnoseAsync(string host, int port, string? rootCertificate, CancellationToken cancellationToken)
    {
        SslPolicyErrors errors = SslPolicyErrors.None;
        X509ChainStatusFlags chainStatus = X509ChainStatusFlags.NoError;
        X509Certificate2? presented = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = tcp.GetStream();
            var request = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(request, 8);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
            await stream.WriteAsync(request, timeout.Token).ConfigureAwait(false);
            var answer = new byte[1];
            if (await stream.ReadAsync(answer, timeout.Token).ConfigureAwait(false) != 1 || answer[0] != (byte)'S')
            {
                return (LakebaseTlsFailure.Unknown, "the server does not offer TLS", null);
            }

            using var roots = LoadRoots(rootCertificate);
            await using var tls = new SslStream(stream);
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = (_, certificate, chain, policyErrors) =>
                    {
                        presented = certificate is null ? null : new X509Certificate2(certificate);
                        errors = policyErrors;
                        if (roots is not null && certificate is not null)
                        {
                            // As Npgsql does with a root certificate: the chain must end at that CA, not a system root.
                            using var custom = new X509Chain();
                            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                            custom.ChainPolicy.CustomTrustStore.AddRange(roots.Collection);
                            errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
                            if (!custom.Build(new X509Certificate2(certificate)))
                            {
                                errors |= SslPolicyErrors.RemoteCertificateChainErrors;
                                chainStatus = custom.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
                            }
                        }
                        else if (chain is not null)
                        {
                            chainStatus = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
                        }

                        return false; // never complete the handshake: this connection only asks what is wrong
                    },
                },
                timeout.Token).ConfigureAwait(false);
        }
        catch (AuthenticationException)
        {
            // Expected: the callback refused.
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return (LakebaseTlsFailure.Unknown, $"the TLS handshake failed ({e.GetType().Name}) and a second look could not tell why", null);
        }

        using (presented)
        {
            var described = presented is null ? null
                : $"subject \"{presented.Subject}\", issued by \"{presented.Issuer}\", valid until {presented.NotAfter.ToUniversalTime():u}";
            if ((chainStatus & (X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested)) != 0)
            {
                return (LakebaseTlsFailure.Expired, $"its certificate is not valid now (valid {presented?.NotBefore:u} to {presented?.NotAfter:u})", described);
            }

            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return (LakebaseTlsFailure.UntrustedChain, $"its certificate (issued by \"{presented?.Issuer}\") does not chain to a trusted root ({chainStatus})", described);
            }

            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                var names = presented?.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(n => n.EnumerateDnsNames().Concat(n.EnumerateIPAddresses().Select(ip => ip.ToString())));
                return (LakebaseTlsFailure.NameMismatch, $"its certificate is issued for {string.Join(", ", names ?? [])}, not for {host}", described);
            }

            return errors == SslPolicyErrors.RemoteCertificateNotAvailable || presented is null
                ? (LakebaseTlsFailure.Unknown, "the server presented no certificate", null)
                : errors == SslPolicyErrors.None
                    ? (null, "the chain and the host name verify", described)
                    : (LakebaseTlsFailure.Unknown, "the TLS handshake failed, though the certificate looks valid from here", described);
        }
    }

    private static X509Certificate2CollectionHolder? LoadRoots(string? path)
    {
        if (path is null)
        {
            return null;
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return new X509Certificate2CollectionHolder(collection);
    }

    private sealed class X509Certificate2CollectionHolder(X509Certificate2Collection collection) : IDisposable
    {
        public X509Certificate2Collection Collection => collection;

        public void Dispose()
        {
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }
}
