using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lakebase.Emulator.Tls;

/// <summary>Issues the TLS server certificate of the PostgreSQL front, signed by an <see cref="EmulatorCertificateAuthority"/>.</summary>
internal static class ServerCertificate
{
    /// <summary>How long a server certificate is valid. A new one is issued at every start, so this only has to outlive a run.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(30);

    /// <summary>The names clients use for the front: <c>host=localhost</c>, <c>127.0.0.1</c> or <c>::1</c> all verify.</summary>
    public static readonly IReadOnlyList<string> DefaultDnsNames = ["localhost"];

    /// <inheritdoc cref="DefaultDnsNames"/>
    public static readonly IReadOnlyList<IPAddress> DefaultIpAddresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    public static X509Certificate2 Issue(X509Certificate2 authority, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses, TimeSpan validity)
    {
        // ECDSA P-256: generated in microseconds (RSA 2048 costs noticeable startup time); libpq, Npgsql and Node accept it.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Lakebase Emulator", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dnsName in dnsNames)
        {
            names.AddDnsName(dnsName);
        }

        foreach (var address in ipAddresses)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        // Backdated a little so a client clock slightly behind still accepts it; never outside the CA's own validity.
        var now = DateTimeOffset.UtcNow;
        var notBefore = Later(now.AddMinutes(-5), authority.NotBefore);
        var notAfter = Earlier(now + validity, authority.NotAfter);
        using var issued = request.Create(authority, notBefore, notAfter, SerialNumber());
        using var withKey = issued.CopyWithPrivateKey(key);

        // A round trip through PKCS#12 gives a certificate whose private key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A positive random 128-bit serial number, as CAs are expected to use.</summary>
    public static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return serial;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTime b) => a > b.ToUniversalTime() ? a : new DateTimeOffset(b.ToUniversalTime());

    private static DateTimeOffset Earlier(DateTimeOffset a, DateTime b) => a < b.ToUniversalTime() ? a : new DateTimeOffset(b.ToUniversalTime());
}
