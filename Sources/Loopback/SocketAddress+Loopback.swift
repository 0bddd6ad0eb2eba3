import ProxyCore

extension SocketAddress.Family {
    /// The loopback address of the family: every server tlsprobe runs listens there and nowhere else.
    package var loopbackHost: String {
        switch self {
        case .ipv4: "127.0.0.1"
        case .ipv6: "::1"
        }
    }
}

extension SocketAddress {
    /// `127.0.0.1:port` or `[::1]:port`.
    package static func loopback(_ family: Family, port: UInt16) -> SocketAddress {
        // A literal loopback address of its own family always parses.
        SocketAddress(family: family, host: family.loopbackHost, port: port)!
    }
}
