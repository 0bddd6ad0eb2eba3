import Foundation
import ProxyCore

/// A blocking TCP listener on a loopback address and an ephemeral port; owns its
/// descriptor and closes it exactly once. Shared by the loopback servers.
final class ListeningSocket: @unchecked Sendable {
    let address: SocketAddress
    /// Why server-side TFO is off, when it was asked for and `setsockopt(TCP_FASTOPEN)` refused.
    let fastOpenError: String?
    private let fd: Int32

    /// Binds `family`'s loopback address; with `fastOpenQueue`, enables server TFO with that queue length.
    init(family: SocketAddress.Family, backlog: Int32, fastOpenQueue: Int32? = nil, port: UInt16 = 0) throws {
        let fd = socket(family.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let wildcardPort = SocketAddress.loopback(family, port: port)
        guard wildcardPort.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let code = errno
            close(fd)
            throw SystemCallError("bind(\(family.loopbackHost))", errno: code)
        }
        if var queue = fastOpenQueue {
            fastOpenError = setsockopt(fd, Int32(IPPROTO_TCP), TCP_FASTOPEN, &queue, socklen_t(MemoryLayout<Int32>.size)) == 0
                ? nil : "setsockopt(TCP_FASTOPEN): \(ErrnoName.of(errno))"
        } else {
            fastOpenError = nil
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw SystemCallError("listen", errno: code)
        }
        // The kernel chose the port; the socket knows which.
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        address = SocketAddress.loopback(family, port: Self.port(of: storage, family: family))
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// The next connection (close-on-exec, left blocking) and the client's port;
    /// `nil` once `shutdown()` was called or the listener failed.
    func accept() -> (fd: Int32, clientPort: UInt16)? {
        while true {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let connection = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
            }
            if connection >= 0 {
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                return (connection, Self.port(of: peer, family: address.family))
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Wakes a blocked `accept` (a shut-down listening socket fails it), ending the accept loop.
    func shutdown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private static func port(of storage: sockaddr_storage, family: SocketAddress.Family) -> UInt16 {
        withUnsafeBytes(of: storage) { raw in
            UInt16(bigEndian: family == .ipv4 ? raw.load(as: sockaddr_in.self).sin_port : raw.load(as: sockaddr_in6.self).sin6_port)
        }
    }
}
