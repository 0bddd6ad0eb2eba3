import ProxyCore

/// The loopback address a cell connects to.
package enum AddressFamily: String, Sendable, Codable, CaseIterable {
    case ipv4, ipv6

    package var socketFamily: SocketAddress.Family {
        switch self {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        }
    }
}
