import ProxyCore

/// The loopback address a cell connects to.
public enum AddressFamily: String, Sendable, Codable, CaseIterable {
    case ipv4, ipv6

    public var loopbackHost: String {
        switch self {
        case .ipv4: "127.0.0.1"
        case .ipv6: "::1"
        }
    }

    public var socketFamily: SocketAddress.Family {
        switch self {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        }
    }
}
