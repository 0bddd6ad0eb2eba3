import Foundation
import ProxyCore
import Synchronization

/// A TLS server on 127.0.0.1 or ::1, on an ephemeral port (or one asked for), with
/// server TFO enabled on its listening socket: the matrix's echo server, or
/// `tlsprobe run`'s HTTPS origin (`LoopbackService`).
///
/// Each accepted connection gets its own thread: handshake, the service's exchange,
/// close; every step bounded by the per-cell timeout, so a misbehaving client
/// cannot wedge the next cell.
package final class LoopbackTLSServer: @unchecked Sendable {
    package let address: SocketAddress
    /// Why server-side TFO is off, if `setsockopt(TCP_FASTOPEN)` was refused.
    package let serverTFOError: String?
    private let context: TLSContext
    private let timeout: Double
    private let service: LoopbackService
    private let served = Atomic<Int>(0)
    private let accepts = Mutex<[UInt16: AcceptRecord]>([:])
    private var loop: AcceptLoop?

    /// What the server saw the moment it accepted a connection.
    package struct AcceptRecord: Sendable, Equatable {
        /// Bytes were already readable when `accept` returned (with TFO they came in the SYN;
        /// without, they may simply have been quick, so this alone proves nothing).
        package let dataAtAccept: Bool
        /// The accepted socket's `TCP_INFO` has `TCPI_OPT_SYN_DATA`: the SYN carried data.
        package let synData: Bool?
    }

    /// The record of the connection whose client used `port`, if the server accepted one.
    package func acceptRecord(clientPort port: UInt16) -> AcceptRecord? {
        accepts.withLock { $0[port] }
    }

    /// Binds and listens; `stop()` ends the accept loop. Throws `SystemCallError` when the family has no loopback.
    package init(family: SocketAddress.Family, context: TLSContext, timeout: Double, service: LoopbackService = .echoLine,
                 port: UInt16 = 0) throws {
        // The queue length for connections whose SYN carried data (server-side TFO).
        let listener = try ListeningSocket(family: family, backlog: 128, fastOpenQueue: 64, port: port)
        self.service = service
        address = listener.address
        serverTFOError = listener.fastOpenError
        self.context = context
        self.timeout = timeout
        loop = try AcceptLoop(listener) { [self] socket, clientPort in
            accept(socket, clientPort: clientPort)
        }
    }

    /// Why a connection since the last call was dropped for want of a thread to serve it
    /// (a process limit, not the client's doing): the cell that made it was not really probed.
    package func takeThreadFailure() -> SystemCallError? {
        loop?.takeThreadFailure()
    }

    /// Stops accepting and waits for the connections being served (each bounded by the timeout).
    package func stop() {
        loop?.stop()
    }

    /// On the accept thread: what the connection looked like the moment it arrived; the rest on a thread of its own.
    private func accept(_ socket: Socket, clientPort: UInt16) -> @Sendable () -> Void {
        var byte: UInt8 = 0
        let waiting = recv(socket.fileDescriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) > 0
        let record = AcceptRecord(dataAtAccept: waiting, synData: socket.synDataAcknowledged)
        accepts.withLock { $0[clientPort] = record }
        let connection = SendableBox(socket)
        return { [self] in serve(connection.value) }
    }

    /// Exchanges that completed: a handshake and the service's answer written.
    package var servedCount: Int { served.load(ordering: .relaxed) }

    private func serve(_ socket: Socket) {
        let deadline = Deadline.after(seconds: timeout)
        guard let tls = try? TLSConnection.accepting(socket, context: context) else { return }
        do {
            try tls.handshake(until: deadline)
            switch service {
            case .echoLine:
                let line = try tls.readLine(until: deadline)
                try tls.write(line, until: deadline)
            case .http:
                try LoopbackService.answerHTTP(on: tls, until: deadline)
            }
            served.add(1, ordering: .relaxed)
            tls.shutdown()
        } catch {
            // The client's side of the cell records what went wrong.
        }
    }
}
