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
