using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Lakebase.Emulator.Cluster;

namespace Lakebase.Emulator.Tls;

/// <summary>
/// The TLS material of one emulator run: the CA (persisted in the data directory, else in a temporary directory
/// deleted on dispose), its PEM file for clients, and the server certificate the PostgreSQL front presents.
/// </summary>
internal sealed class EmulatorTls : IDisposable
{
    public const string CaCertificateFileName = "lakebase-emulator-ca.pem";
    public const string CaKeyFileName = "lakebase-emulator-ca.key";

    private readonly string? _temporaryDirectory;
    private readonly bool _ownsServerCertificate;

    private EmulatorTls(EmulatorCertificateAuthority authority, string caCertificatePath, string? temporaryDirectory, X509Certificate2 serverCertificate, bool ownsServerCertificate)
    {
        Authority = authority;
        CaCertificatePath = caCertificatePath;
        _temporaryDirectory = temporaryDirectory;
        ServerCertificate = serverCertificate;
        _ownsServerCertificate = ownsServerCertificate;

        // The chain is built once, offline. .NET leaves a self-signed root out of the handshake (as TLS allows), so
        // clients verify the leaf against the CA file they were given: sslrootcert, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE.
        ServerContext = SslStreamCertificateContext.Create(serverCertificate, [authority.Certificate], offline: true);
    }

    public EmulatorCertificateAuthority Authority { get; }

    public string CaCertificatePath { get; }

    public X509Certificate2 ServerCertificate { get; }

    public SslStreamCertificateContext ServerContext { get; }

    /// <param name="dataDirectory">Where the CA is kept across runs; <see langword="null"/>: a throwaway CA.</param>
    /// <param name="serverCertificate">A certificate to present instead of one issued by the CA (tests); not disposed here.</param>
    public static EmulatorTls Create(string? dataDirectory, X509Certificate2? serverCertificate)
    {
        EmulatorCertificateAuthority authority;
        string caPath;
        string? temporaryDirectory = null;
        if (dataDirectory is not null)
        {
            var root = Path.GetFullPath(dataDirectory);
            Directory.CreateDirectory(root);
            caPath = Path.Combine(root, CaCertificateFileName);
            authority = EmulatorCertificateAuthority.LoadOrCreate(caPath, Path.Combine(root, CaKeyFileName));
        }
        else
        {
            // Only the certificate is written (clients need a file); the key of a throwaway CA never touches disk.
            temporaryDirectory = Directory.CreateTempSubdirectory("lakebase-emulator-ca-").FullName;
            caPath = Path.Combine(temporaryDirectory, CaCertificateFileName);
            authority = EmulatorCertificateAuthority.Create();
            authority.WriteCertificatePem(caPath);
        }

        var owns = serverCertificate is null;
        return new EmulatorTls(authority, caPath, temporaryDirectory, serverCertificate ?? authority.IssueServerCertificate(), owns);
    }

    public void Dispose()
    {
        if (_ownsServerCertificate)
        {
            ServerCertificate.Dispose();
        }

        Authority.Dispose();
        if (_temporaryDirectory is not null)
        {
            BestEffortDirectory.TryDelete(_temporaryDirectory);
        }
    }
}
