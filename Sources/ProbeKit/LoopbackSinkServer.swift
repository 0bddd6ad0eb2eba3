import COpenSSL
import Foundation
import ProxyCore

/// A TLS server on 127.0.0.1 or ::1 that reads and discards, for the data-path
/// benchmark: each connection is a handshake, then `expectedBytes` of
/// application data, then one byte back ("all arrived") so the client's clock
/// stops only when the last record has been decrypted here.
///
/// It reads with `SSL_read` into one reused buffer rather than through
/// `TLSConnection.read` (which allocates per call): the server's side must cost
/// the same for every client strategy and as little as possible, so the
/// difference measured is the client's BIO. Connections are served one after
/// another on a single thread, as the benchmark makes them.
final class LoopbackSinkServer: @unchecked Sendable {
    let address: SocketAddress
    private let listenFD: Int32
    private let context: TLSContext
    private let expectedBytes: Int
    private let timeout: Double

    /// Binds and listens on an ephemeral port; `stop()` ends the accept loop.
    init(family: AddressFamily, context: TLSContext, expectedBytes: Int, timeout: Double) throws {
        SignalPolicy.ignoreSIGPIPE()
        let fd = socket(family.socketFamily.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard let any = SocketAddress(family: family.socketFamily, host: family.loopbackHost, port: 0),
              any.withSockaddr({ bind(fd, $0, $1) }) == 0, listen(fd, 8) == 0 else {
            let code = errno
            close(fd)
            throw SocketError("bind/listen(\(family.loopbackHost))", errno: code)
        }
        // The kernel chose the port; the socket itself knows which.
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = withUnsafeBytes(of: storage) { raw in
            UInt16(bigEndian: family == .ipv4 ? raw.load(as: sockaddr_in.self).sin_port : raw.load(as: sockaddr_in6.self).sin6_port)
        }
        address = SocketAddress(family: family.socketFamily, host: family.loopbackHost, port: port)!
        listenFD = fd
        self.context = context
        self.expectedBytes = expectedBytes
        self.timeout = timeout
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        close(listenFD)
    }

    /// Wakes the accept loop (a shut-down listening socket fails `accept`) and lets it end.
    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            serve(Socket(adopting: fd, family: address.family))
        }
    }

    /// One connection; every wait bounded by `timeout`. Failures surface on the client's side.
    private func serve(_ socket: Socket) {
        let deadline = Deadline.after(seconds: timeout)
        guard let tls = try? TLSConnection(context: context, socket: socket, role: .server) else { return }
        do {
            try tls.handshake(until: deadline)
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            var received = 0
            while received < expectedBytes {
                received += try buffer.withUnsafeMutableBytes { raw in
                    try read(tls, into: raw, until: deadline)
                }
            }
            try tls.write([UInt8(ascii: "\n")], until: deadline)
            // Wait for the client's close_notify or FIN, so the client never sees a reset.
            _ = try? buffer.withUnsafeMutableBytes { raw in try read(tls, into: raw, until: deadline) }
            tls.shutdown()
        } catch {
            // The client's side reports the failure (a missing acknowledgement).
        }
    }

    /// One `SSL_read`, waiting for the socket as OpenSSL asks; returns the bytes read (at least one).
    private func read(_ tls: TLSConnection, into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        while true {
            let count = SSL_read(tls.ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if count > 0 { return Int(count) }
            switch SSL_get_error(tls.ssl, count) {
            case SSL_ERROR_WANT_READ: try tls.socket.wait(for: .readable, until: deadline, operation: "sink read")
            case SSL_ERROR_WANT_WRITE: try tls.socket.wait(for: .writable, until: deadline, operation: "sink read")
            default:
                ERR_clear_error()
                throw SocketError("SSL_read", errno: errno)
            }
        }
    }
}
