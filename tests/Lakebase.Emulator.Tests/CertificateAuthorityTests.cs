using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Lakebase.Emulator.Tls;

namespace Lakebase.Emulator.Tests;

/// <summary>
/// The emulator's CA is one a developer may trust machine-wide (<c>SSL_CERT_FILE</c>): it must be able to vouch only
/// for the loopback names, and not for long.
/// </summary>
[Collection(SharedEmulatorCollection.Name)]
public sealed class CertificateAuthorityTests(EmulatorFixture fixture)
{
    [Fact]
    public void The_ca_is_name_constrained_to_loopback_and_valid_for_30_days()
    {
        var ca = fixture.Emulator.CaCertificate;

        var extension = ca.Extensions["2.5.29.30"];
        Assert.NotNull(extension);
        Assert.True(extension.Critical);
        var (dnsNames, addresses) = ReadPermittedSubtrees(extension.RawData);
        Assert.Equal(["localhost"], dnsNames);
        Assert.Equal(["127.0.0.0/255.0.0.0", "::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], addresses);
        Assert.InRange(ca.NotAfter - ca.NotBefore, TimeSpan.FromDays(30), TimeSpan.FromDays(30.1));
    }

    [Fact]
    public void A_certificate_for_another_name_from_the_emulators_ca_does_not_verify()
    {
        using var forOtherHost = ServerCertificate.Issue(fixture.Emulator.CaCertificate, ["db.example.test"], [IPAddress.Parse("10.1.2.3")], TimeSpan.FromDays(1));
        using var refused = ChainTrusting(fixture.Emulator.CaCertificatePath);
        Assert.False(refused.Build(forOtherHost));
        Assert.Contains(refused.ChainStatus, s => s.Status == X509ChainStatusFlags.HasNotPermittedNameConstraint);

        using var verified = ChainTrusting(fixture.Emulator.CaCertificatePath);
        Assert.True(verified.Build(fixture.Emulator.ServerCertificate), string.Join("; ", verified.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void A_persisted_ca_without_name_constraints_is_replaced()
    {
        var directory = Directory.CreateTempSubdirectory("lbemu-ca-test-").FullName;
        try
        {
            var certificatePath = Path.Combine(directory, "ca.pem");
            var keyPath = Path.Combine(directory, "ca.key");
            using (var old = EmulatorCertificateAuthority.Create(loopbackOnly: false))
            using (var key = old.Certificate.GetECDsaPrivateKey()!)
            {
                File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
                File.WriteAllText(certificatePath, old.ExportCertificatePem());
            }

            var oldPem = File.ReadAllText(certificatePath);
            using var renewed = EmulatorCertificateAuthority.LoadOrCreate(certificatePath, keyPath);

            Assert.NotNull(renewed.Certificate.Extensions["2.5.29.30"]);
            Assert.NotEqual(oldPem, File.ReadAllText(certificatePath));
            Assert.Equal(renewed.ExportCertificatePem(), File.ReadAllText(certificatePath));

            // A constrained one with weeks left is kept.
            using var kept = EmulatorCertificateAuthority.LoadOrCreate(certificatePath, keyPath);
            Assert.Equal(renewed.Certificate.Thumbprint, kept.Certificate.Thumbprint);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_persisted_ca_constrained_to_127_0_0_1_alone_is_replaced_so_the_replica_address_verifies()
    {
        var directory = Directory.CreateTempSubdirectory("lbemu-ca-test-").FullName;
        try
        {
            var certificatePath = Path.Combine(directory, "ca.pem");
            var keyPath = Path.Combine(directory, "ca.key");
            using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
            {
                // What an older emulator persisted: localhost, 127.0.0.1/32 and ::1/128.
                var request = new CertificateRequest(EmulatorCertificateAuthority.DefaultSubjectName, key, System.Security.Cryptography.HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
                request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
                request.CertificateExtensions.Add(new X509Extension("2.5.29.30", OldLoopbackConstraints(), critical: true));
                using var old = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
                File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
                File.WriteAllText(certificatePath, old.ExportCertificatePem());
            }

            var oldPem = File.ReadAllText(certificatePath);
            using var renewed = EmulatorCertificateAuthority.LoadOrCreate(certificatePath, keyPath);

            Assert.NotEqual(oldPem, File.ReadAllText(certificatePath));
            using var forReplica = renewed.IssueServerCertificate(ipAddresses: [IPAddress.Parse("127.0.0.2")]);
            using var chain = ChainTrusting(certificatePath);
            Assert.True(chain.Build(forReplica), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static byte[] OldLoopbackConstraints()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
        {
            using (writer.PushSequence())
            {
                writer.WriteCharacterString(UniversalTagNumber.IA5String, "localhost", new Asn1Tag(TagClass.ContextSpecific, 2));
            }

            foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
            {
                using (writer.PushSequence())
                {
                    var bytes = address.GetAddressBytes();
                    writer.WriteOctetString([.. bytes, .. Enumerable.Repeat((byte)0xFF, bytes.Length)], new Asn1Tag(TagClass.ContextSpecific, 7));
                }
            }
        }

        return writer.Encode();
    }

    private static X509Chain ChainTrusting(string caFile)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(caFile));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }

    // Decoded independently of the encoder: NameConstraints { permittedSubtrees [0] { GeneralSubtree { GeneralName } } }.
    private static (List<string> DnsNames, List<string> Addresses) ReadPermittedSubtrees(byte[] der)
    {
        var dns = new List<string>();
        var addresses = new List<string>();
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var permitted = outer.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
        Assert.False(outer.HasData); // no excluded subtrees
        while (permitted.HasData)
        {
            var subtree = permitted.ReadSequence();
            var tag = subtree.PeekTag();
            if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
            {
                dns.Add(subtree.ReadCharacterString(UniversalTagNumber.IA5String, tag));
            }
            else
            {
                Assert.True(tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 7)));
                var bytes = subtree.ReadOctetString(tag);
                var half = bytes.Length / 2;
                addresses.Add($"{new IPAddress(bytes[..half])}/{new IPAddress(bytes[half..])}");
            }

            Assert.False(subtree.HasData);
        }

        return (dns, addresses);
    }
}
