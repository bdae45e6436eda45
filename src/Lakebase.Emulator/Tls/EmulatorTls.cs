using System.Net;
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
    private readonly List<X509Certificate2> _endpointCertificates = [];

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

    /// <summary>
    /// What the front presents on <paramref name="address"/>: 127.0.0.1 gets <see cref="ServerCertificate"/>; another
    /// endpoint's address gets a certificate of its own for DNS <c>localhost</c> and that address, so
    /// <c>verify-full</c> to <c>host=127.0.0.2</c> checks that endpoint's name as it would check its host name on Lakebase.
    /// A test's certificate (<see cref="LakebaseEmulatorOptions.ServerCertificate"/>) is presented everywhere.
    /// </summary>
    public SslStreamCertificateContext ServerContextFor(IPAddress address)
    {
        if (address.Equals(IPAddress.Loopback) || !_ownsServerCertificate)
        {
            return ServerContext;
        }

        var certificate = Authority.IssueServerCertificate(ipAddresses: [address]);
        lock (_endpointCertificates)
        {
            _endpointCertificates.Add(certificate);
        }

        return SslStreamCertificateContext.Create(certificate, [Authority.Certificate], offline: true);
    }

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

        lock (_endpointCertificates)
        {
            _endpointCertificates.ForEach(c => c.Dispose());
        }

        Authority.Dispose();
        if (_temporaryDirectory is not null)
        {
            BestEffortDirectory.TryDelete(_temporaryDirectory);
        }
    }
}
