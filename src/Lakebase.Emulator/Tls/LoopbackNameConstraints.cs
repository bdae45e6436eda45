using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Lakebase.Emulator.Tls;

/// <summary>
/// The X.509 Name Constraints extension (RFC 5280 §4.2.1.10, critical) that confines the emulator's CA to loopback:
/// it may vouch for DNS <c>localhost</c>, IP 127.0.0.0/8 and ::1/128 only. A developer told to trust the CA
/// (<c>SSL_CERT_FILE</c>, <c>NODE_EXTRA_CA_CERTS</c>) then trusts nothing else, even if its key leaks.
/// .NET has no builder for it, so it is encoded here. The whole of 127/8, not 127.0.0.1 alone: each further endpoint
/// (read-only replica, branches) is told apart by its own loopback address (127.0.0.2, ...), as Lakebase tells
/// endpoints apart by host name.
/// </summary>
internal static class LoopbackNameConstraints
{
    public const string Oid = "2.5.29.30";

    public static readonly IReadOnlyList<string> PermittedDnsNames = ["localhost"];

    public static readonly IReadOnlyList<(IPAddress Network, int PrefixLength)> PermittedNetworks =
        [(IPAddress.Parse("127.0.0.0"), 8), (IPAddress.IPv6Loopback, 128)];

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

            foreach (var (network, prefixLength) in PermittedNetworks)
            {
                using (writer.PushSequence())
                {
                    // An address constraint is the network address followed by its mask.
                    var bytes = network.GetAddressBytes();
                    writer.WriteOctetString([.. bytes, .. Mask(bytes.Length, prefixLength)], IpAddressTag);
                }
            }
        }

        return new X509Extension(Oid, writer.Encode(), critical: true);
    }

    private static byte[] Mask(int length, int prefixLength)
    {
        var mask = new byte[length];
        for (var bit = 0; bit < prefixLength; bit++)
        {
            mask[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return mask;
    }
}
