#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address and port, stored as the kernel wants it.
public struct SocketAddress: Sendable, CustomStringConvertible {
    /// IPv4 or IPv6.
    public enum Family: Sendable {
        /// `AF_INET` and `AF_INET6`.
        case ipv4, ipv6

        /// The C constant: `AF_INET` or `AF_INET6`.
        public var rawValue: Int32 {
            switch self {
            case .ipv4: AF_INET
            case .ipv6: AF_INET6
            }
        }
    }

    /// IPv4 or IPv6.
    public let family: Family
    /// The address in text form, as given (`127.0.0.1`, `::1`).
    public let host: String
    /// The port, in host byte order.
    public let port: UInt16
    private let storage: sockaddr_storage

    /// `nil` when `host` is not a literal address of `family`.
    public init?(family: Family, host: String, port: UInt16) {
        var storage = sockaddr_storage()
        let parsed: Bool = withUnsafeMutableBytes(of: &storage) { raw in
            switch family {
            case .ipv4:
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = port.bigEndian
                return inet_pton(AF_INET, host, &sin.pointee.sin_addr) == 1
            case .ipv6:
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = port.bigEndian
                return inet_pton(AF_INET6, host, &sin6.pointee.sin6_addr) == 1
            }
        }
        guard parsed else { return nil }
        self.family = family
        self.host = host
        self.port = port
        self.storage = storage
    }

    /// The length a correct `sendto`/`connect` passes for this family: 16 or 28 on Linux.
    public var length: socklen_t {
        switch family {
        case .ipv4: socklen_t(MemoryLayout<sockaddr_in>.size)
        case .ipv6: socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
    }

    /// Calls `body` with the address as the kernel takes it, and its length.
    public func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// Copies the raw `sockaddr` bytes (`length` of them) to `destination`.
    package func copy(to destination: UnsafeMutableRawPointer) {
        withUnsafeBytes(of: storage) { raw in
            destination.copyMemory(from: raw.baseAddress!, byteCount: Int(length))
        }
    }

    /// `192.0.2.10:443`, `[2001:db8::1]:443`.
    public var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
