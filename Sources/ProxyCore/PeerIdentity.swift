/// Who the origin's certificate must say it is.
///
/// Outbound TLS without this check is no TLS at all; tlsprobe never turns it off.
public enum PeerIdentity: Sendable, Equatable {
    /// Checked against the certificate's DNS SANs and sent as SNI.
    case dnsName(String)
    /// Checked against the certificate's IP SANs; no SNI (RFC 6066 forbids literal addresses).
    case ipAddress(String)
}
