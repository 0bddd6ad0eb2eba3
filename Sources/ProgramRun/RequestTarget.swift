import Foundation
import ProxyCore

/// `--request URL`, parsed: plain HTTP to a loopback address (tlsprobe sends traffic to
/// nothing else), the port the program is expected to listen on and the path to ask for.
package struct RequestTarget: Sendable {
    package let url: String
    package let address: SocketAddress
    /// The `Host` header: the URL's host and port as written.
    package let hostHeader: String
    package let path: String

    /// The URL checked, or why it cannot be used.
    package static func parse(_ url: String) -> Result<RequestTarget, RequestTargetError> {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            return .failure(RequestTargetError("'\(url)' is not a URL; expected http://127.0.0.1:PORT/PATH"))
        }
        guard scheme == "http" else {
            return .failure(RequestTargetError("'\(url)' is \(scheme)://; tlsprobe sends plain HTTP/1.1 to the program (http://127.0.0.1:PORT/PATH), the program speaks TLS to its origin"))
        }
        guard var host = components.host, !host.isEmpty else { return .failure(RequestTargetError("'\(url)' names no host")) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 80
        guard (1...65535).contains(port) else { return .failure(RequestTargetError("'\(url)': port \(port) is out of range")) }
        let literal = host == "localhost" ? "127.0.0.1" : host
        let address = SocketAddress(family: .ipv4, host: literal, port: UInt16(port))
            ?? SocketAddress(family: .ipv6, host: literal, port: UInt16(port))
        guard let address, Self.isLoopback(literal) else {
            return .failure(RequestTargetError("'\(url)': tlsprobe sends requests only to loopback (127.0.0.0/8, ::1 or localhost), not to \(host)"))
        }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        let hostHeader = components.port.map { address.family == .ipv6 ? "[\(host)]:\($0)" : "\(host):\($0)" } ?? host
        return .success(RequestTarget(url: url, address: address, hostHeader: hostHeader, path: path))
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host.hasPrefix("127.") && host.split(separator: ".").count == 4
    }
}

/// Why a `--request` URL cannot be used.
package struct RequestTargetError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
