using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lakebase.Emulator.Tls;

namespace Lakebase.Emulator;

/// <summary>
/// A local certificate authority that signs the emulator's TLS server certificate, so clients can verify the
/// server (<c>sslmode=verify-full</c>) by trusting this one CA instead of skipping verification. A running
/// emulator has one (<see cref="LakebaseEmulator.CaCertificate"/>); tests can create another with <see cref="Create"/>
/// to play "a server certificate from a different CA".
/// </summary>
public sealed class EmulatorCertificateAuthority : IDisposable
{
    /// <summary>The subject of the emulator's CA.</summary>
    public const string DefaultSubjectName = "CN=Lakebase Emulator Local CA, O=Lakebase Emulator";

    /// <summary>
    /// How long a CA is valid. Short, because a developer may trust it machine-wide; a persisted CA is replaced once
    /// less than <see cref="RenewBefore"/> is left, so a server certificate issued from it always outlives a long run.
    /// </summary>
    internal static readonly TimeSpan CaValidity = TimeSpan.FromDays(30);

    internal static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    private EmulatorCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Creates a new CA in memory (nothing is written to disk), valid for 30 days and name-constrained (critical) to
    /// DNS <c>localhost</c>, IP 127.0.0.0/8 and ::1: a certificate it issues for any other name does not verify.
    /// </summary>
    /// <param name="subjectName">The distinguished name, e.g. <c>CN=Some Other CA</c>.</param>
    /// <param name="loopbackOnly">
    /// <see langword="false"/> leaves the name constraints out, for tests that need a CA whose certificates for other
    /// names chain correctly (to see a host name check fail on its own). Never trust such a CA outside a test.
    /// </param>
    public static EmulatorCertificateAuthority Create(string subjectName = DefaultSubjectName, bool loopbackOnly = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (loopbackOnly)
        {
            request.CertificateExtensions.Add(LoopbackNameConstraints.Create());
        }

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddHours(-1), now + CaValidity);
        return new EmulatorCertificateAuthority(X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null));
    }

    /// <summary>
    /// Issues a server certificate (EKU serverAuth, valid 30 days) with the private key. By default its names are
    /// those of the emulator's own certificate: DNS <c>localhost</c>, IP <c>127.0.0.1</c> and <c>::1</c>; pass other
    /// names to get a certificate whose host name check fails.
    /// </summary>
    /// <param name="dnsNames">DNS subject alternative names; <see langword="null"/> for <c>localhost</c>.</param>
    /// <param name="ipAddresses">IP subject alternative names; <see langword="null"/> for the loopback addresses.</param>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string>? dnsNames = null, IEnumerable<IPAddress>? ipAddresses = null) =>
        ServerCertificate.Issue(Certificate, dnsNames ?? ServerCertificate.DefaultDnsNames, ipAddresses ?? ServerCertificate.DefaultIpAddresses, ServerCertificate.Validity);

    /// <summary>The CA certificate (no key) as PEM, the format <c>sslrootcert</c>, <c>NODE_EXTRA_CA_CERTS</c> and <c>SSL_CERT_FILE</c> take.</summary>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem();

    /// <summary>
    /// The CA kept in <paramref name="certificatePath"/> and <paramref name="keyPath"/>, or a new one written there
    /// (key file mode 0600) when they are missing, within <see cref="RenewBefore"/> of expiry, or lack today's loopback
    /// name constraints (a CA from an older emulator: none, or 127.0.0.1 alone, which cannot vouch for 127.0.0.2): a persistent data directory keeps one CA across restarts, so a
    /// client's trust in it stays valid until it is renewed.
    /// </summary>
    internal static EmulatorCertificateAuthority LoadOrCreate(string certificatePath, string keyPath)
    {
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            var loaded = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (loaded.NotAfter.ToUniversalTime() > DateTime.UtcNow + RenewBefore && loaded.Extensions[LoopbackNameConstraints.Oid] is { Critical: true } constraints
                && constraints.RawData.AsSpan().SequenceEqual(LoopbackNameConstraints.Create().RawData))
            {
                // Re-imported so the key is usable for signing on every platform, as a freshly created one is.
                using (loaded)
                {
                    return new EmulatorCertificateAuthority(X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null));
                }
            }

            loaded.Dispose();
        }

        var authority = Create();
        using var key = authority.Certificate.GetECDsaPrivateKey()!;
        WritePrivateFile(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, authority.ExportCertificatePem());
        return authority;
    }

    /// <summary>Writes the CA certificate (not the key) as PEM.</summary>
    internal void WriteCertificatePem(string path) => File.WriteAllText(path, ExportCertificatePem());

    /// <summary>Disposes the certificate and its key.</summary>
    public void Dispose() => Certificate.Dispose();

    private static void WritePrivateFile(string path, string content)
    {
        // Created with mode 0600 from the start: the key is never readable by others, not even briefly.
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temp, options))
        {
            writer.Write(content);
        }

        File.Move(temp, path, overwrite: true);
    }
}
