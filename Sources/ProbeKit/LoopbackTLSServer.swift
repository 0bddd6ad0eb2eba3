import Foundation
import ProxyCore
import Synchronization

/// A TLS echo server on 127.0.0.1 or ::1, on an ephemeral port, with server
/// TFO enabled on its listening socket.
///
/// Each accepted connection gets its own thread: handshake, read one line,
/// write it back, close; every step bounded by the per-cell timeout, so a
/// misbehaving client cannot wedge the next cell.
public final class LoopbackTLSServer: @unchecked Sendable {
    public let address: SocketAddress
    /// Why server-side TFO is off, if `setsockopt(TCP_FASTOPEN)` was refused.
    public let serverTFOError: String?
    private let listenFD: Int32
    private let context: TLSContext
    private let timeout: Double
    private let accepts = Mutex<[UInt16: AcceptRecord]>([:])

    /// What the server saw the moment it accepted a connection.
    public struct AcceptRecord: Sendable, Equatable {
        /// Bytes were already readable when `accept` returned (with TFO they came in the SYN;
        /// without, they may simply have been quick, so this alone proves nothing).
        public let dataAtAccept: Bool
        /// The accepted socket's `TCP_INFO` has `TCPI_OPT_SYN_DATA`: the SYN carried data.
        public let synData: Bool?
    }

    /// The record of the connection whose client used `port`, if the server accepted one.
    public func acceptRecord(clientPort port: UInt16) -> AcceptRecord? {
        accepts.withLock { $0[port] }
    }

    /// Binds and listens; `stop()` ends the accept loop. Throws `SocketError` when the family has no loopback.
    public init(family: AddressFamily, context: TLSContext, timeout: Double) throws {
        SignalPolicy.ignoreSIGPIPE()
        let socketFamily = family.socketFamily
        let fd = socket(socketFamily.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard let wildcardPort = SocketAddress(family: socketFamily, host: family.loopbackHost, port: 0) else {
            close(fd)
            throw SocketError("inet_pton(\(family.loopbackHost))", errno: EINVAL)
        }
        let bound = wildcardPort.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SocketError("bind(\(family.loopbackHost))", errno: code)
        }
        // The queue length for connections whose SYN carried data (server-side TFO).
        var queue: Int32 = 64
        serverTFOError = setsockopt(fd, Int32(IPPROTO_TCP), TCP_FASTOPEN, &queue, socklen_t(MemoryLayout<Int32>.size)) == 0
            ? nil : "setsockopt(TCP_FASTOPEN): \(ErrnoName.of(errno))"
        guard listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw SocketError("listen", errno: code)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = withUnsafeBytes(of: storage) { raw in
            UInt16(bigEndian: family == .ipv4
                   ? raw.load(as: sockaddr_in.self).sin_port
                   : raw.load(as: sockaddr_in6.self).sin6_port)
        }
        self.address = SocketAddress(family: socketFamily, host: family.loopbackHost, port: port)!
        self.listenFD = fd
        self.context = context
        self.timeout = timeout
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        close(listenFD)
    }

    /// Wakes the accept loop (a shut-down listening socket fails `accept`) and lets it end.
    public func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenFD, $0, &length) }
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var byte: UInt8 = 0
            let waiting = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) > 0
            let socket = Socket(adopting: fd, family: address.family)
            let record = AcceptRecord(dataAtAccept: waiting,
                                      synData: socket.tcpInfoOptions().map { $0 & TFOEvidence.tcpiOptSynData != 0 })
            let port = withUnsafeBytes(of: peer) { raw in
                UInt16(bigEndian: address.family == .ipv4 ? raw.load(as: sockaddr_in.self).sin_port
                                                          : raw.load(as: sockaddr_in6.self).sin6_port)
            }
            accepts.withLock { $0[port] = record }
            let connection = SendableBox(socket)
            Thread.detachNewThread { [self] in serve(connection.value) }
        }
    }

    private func serve(_ socket: Socket) {
        let deadline = Deadline.after(seconds: timeout)
        guard let tls = try? TLSConnection(context: context, socket: socket, role: .server) else { return }
        do {
            try tls.handshake(until: deadline)
            let line = try tls.readLine(until: deadline)
            try tls.write(line, until: deadline)
            tls.shutdown()
        } catch {
            // The client's side of the cell records what went wrong.
        }
    }
}

/// Hands a value to exactly one other thread; the sender never touches it again.
struct SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
