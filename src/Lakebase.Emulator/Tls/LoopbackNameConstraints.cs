using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Lakebase.Emulator.Tls;

/// <summary>
/// The X.509 Name Constraints extension (RFC 5280 §4.2.1.10, critical) that confines the emulator's CA to loopback:
/// it may vouch for DNS <c>localhost</c>, IP 127.0.0.1/32 and ::1/128 only. A developer told to trust the CA
/// (<c>SSL_CERT_FILE</c>, <c>NODE_EXTRA_CA_CERTS</c>) then trusts nothing else, even if its key leaks.
/// .NET has no builder for it, so it is encoded here.
/// </summary>
internal static class LoopbackNameConstraints
{
    public const string Oid = "2.5.29.30";

    public static readonly IReadOnlyList<string> PermittedDnsNames = ["localhost"];

    public static readonly IReadOnlyList<IPAddress> PermittedAddresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    // GeneralName CHOICE tags (implicit): dNSName [2] IA5String, iPAddress [7] OCTET STRING.
    private static readonly Asn1Tag DnsNameTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag IpAddressTag = new(TagClass.ContextSpecific, 7);
    private static readonly Asn1Tag PermittedSubtreesTag = new(TagClass.ContextSpecific, 0, isConstructed: true);

    public static X509Extension Create()
    {
        // NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees }
        // GeneralSubtree ::= SEQUENCE { base GeneralName } (minimum 0 and no maximum are the DER defaults, left out)
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(PermittedSubtreesTag))
        {
            foreach (var name in PermittedDnsNames)
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, name, DnsNameTag);
                }
            }

            foreach (var address in PermittedAddresses)
            {
                using (writer.PushSequence())
                {
                    // An address constraint is the address followed by its mask: a single host here.
                    var bytes = address.GetAddressBytes();
                    writer.WriteOctetString([.. bytes, .. Enumerable.Repeat((byte)0xFF, bytes.Length)], IpAddressTag);
                }
            }
        }

        return new X509Extension(Oid, writer.Encode(), critical: true);
    }
}
