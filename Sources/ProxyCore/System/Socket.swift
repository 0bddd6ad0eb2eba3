internal import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP socket; owns its file descriptor and closes it exactly once.
///
/// Non-blocking so that every wait goes through `poll` with a deadline: the
/// TFO paths leave a socket half-connected, and a blocking call there could hang.
package final class Socket {
    /// The descriptor, until `close()`; -1 after it.
    package private(set) var fileDescriptor: Int32
    package let family: SocketAddress.Family

    package init(family: SocketAddress.Family) throws(SystemCallError) {
        let fd = Glibc.socket(family.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError("socket", errno: errno) }
        self.fileDescriptor = fd
        self.family = family
    }

    /// Adopts an accepted descriptor (made non-blocking here).
    package init(adopting fd: Int32, family: SocketAddress.Family) {
        self.fileDescriptor = fd
        self.family = family
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close()
    }

    /// Closes the descriptor now rather than when this owner goes; once only.
    package func close() {
        guard fileDescriptor >= 0 else { return }
        _ = Glibc.close(fileDescriptor)
        fileDescriptor = -1
    }

    package var isClosed: Bool { fileDescriptor < 0 }

    /// `connect()`, waiting for completion until `deadline`.
    package func connect(to address: SocketAddress, deadline: Deadline) throws {
        let result = address.withSockaddr { Glibc.connect(fileDescriptor, $0, $1) }
        if result == 0 { return }
        let code = errno
        guard code == EINPROGRESS else { throw SystemCallError("connect", errno: code) }
        try finishConnect(deadline: deadline)
    }

    /// Waits for an in-progress connect and reports its outcome (`SO_ERROR`).
    package func finishConnect(deadline: Deadline) throws {
        try wait(for: .writable, until: deadline, operation: "connect")
        let pending = pendingError()
        if pending != 0 { throw SystemCallError("connect", errno: pending) }
    }

    /// The socket's pending error (`SO_ERROR`), cleared by reading it.
    package func pendingError() -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fileDescriptor, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    /// `TCP_FASTOPEN_CONNECT`: the next `connect()` defers the SYN until the first
    /// write, which then rides in it (Linux 4.11+, with the client bit of `tcp_fastopen`).
    package func enableFastOpenConnect() throws(SystemCallError) {
        var one: Int32 = 1
        guard setsockopt(fileDescriptor, Int32(IPPROTO_TCP), tlsprobe_TCP_FASTOPEN_CONNECT, &one,
                         socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SystemCallError("setsockopt(TCP_FASTOPEN_CONNECT)", errno: errno)
        }
    }

    package enum Readiness {
        case readable, writable

        var events: Int16 {
            switch self {
            case .readable: Int16(POLLIN)
            case .writable: Int16(POLLOUT)
            }
        }
    }

    /// Polls until the socket is ready (or in error, which the next call reports).
    package func wait(for readiness: Readiness, until deadline: Deadline, operation: String) throws {
        var pfd = pollfd(fd: fileDescriptor, events: readiness.events, revents: 0)
        while true {
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 { throw DeadlineExceeded(operation) }
            let result = poll(&pfd, 1, remaining)
            if result > 0 { return }
            if result < 0 && errno != EINTR { throw SystemCallError("poll", errno: errno) }
        }
    }

    /// The local port the kernel bound (`getsockname`); `nil` before it bound one.
    package var localPort: UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fileDescriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        let port = withUnsafeBytes(of: storage) { raw in
            UInt16(bigEndian: family == .ipv4 ? raw.load(as: sockaddr_in.self).sin_port : raw.load(as: sockaddr_in6.self).sin6_port)
        }
        return port == 0 ? nil : port
    }

    /// `TCP_INFO`'s `tcpi_options & TCPI_OPT_SYN_DATA`: the kernel's own record that
    /// this connection's SYN carried data that was acknowledged (client side) or
    /// accepted (server side). `nil` when `TCP_INFO` cannot be read.
    package var synDataAcknowledged: Bool? {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fileDescriptor, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return nil }
        return info.tcpi_options & tlsprobe_TCPI_OPT_SYN_DATA != 0
    }
}
