import ArgumentParser
import ProxyCore

/// An IP literal and a port: `127.0.0.1:8080`, `[::1]:8080`.
struct Endpoint: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let address: SocketAddress

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = UInt16(argument[argument.index(after: colon)...]) else {
            return nil
        }
        var host = String(argument[..<colon])
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]")
        if bracketed { host = String(host.dropFirst().dropLast()) }
        guard let address = bracketed ? SocketAddress(family: .ipv6, host: host, port: port)
                                      : SocketAddress(family: .ipv4, host: host, port: port) else { return nil }
        self.address = address
    }

    init(_ address: SocketAddress) {
        self.address = address
    }

    var description: String {
        address.family == .ipv6 ? "[\(address.host)]:\(address.port)" : "\(address.host):\(address.port)"
    }
}

/// `https://ADDRESS:PORT`: the origin, by IP literal (this example resolves no names).
struct OriginURL: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let endpoint: Endpoint

    init?(argument: String) {
        guard argument.hasPrefix("https://") else { return nil }
        var rest = argument.dropFirst("https://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let endpoint = Endpoint(argument: String(rest)) else { return nil }
        self.endpoint = endpoint
    }

    var address: SocketAddress { endpoint.address }
    var description: String { "https://\(endpoint)" }
}
