import Foundation
import ProxyCore

/// A TLS server on 127.0.0.1 or ::1 that reads and discards, for the data-path
/// benchmark: each connection is a handshake, then `expectedBytes` of
/// application data, then one byte back ("all arrived") so the client's clock
/// stops only when the last record has been decrypted here.
///
/// It reads into one reused buffer (`TLSConnection.read(into:)`, which does not
/// allocate): the server's side must cost the same for every client strategy and
/// as little as possible, so the difference measured is the client's BIO. Connections are served one after
/// another on a single thread, as the benchmark makes them.
package final class LoopbackSinkServer: @unchecked Sendable {
    package let address: SocketAddress
    private var loop: AcceptLoop?
    private let context: TLSContext
    private let expectedBytes: Int
    private let timeout: Double

    /// Binds and listens on an ephemeral port; `stop()` ends the accept loop.
    package init(family: SocketAddress.Family, context: TLSContext, expectedBytes: Int, timeout: Double) throws {
        let listener = try ListeningSocket(family: family, backlog: 8)
        address = listener.address
        self.context = context
        self.expectedBytes = expectedBytes
        self.timeout = timeout
        // One connection after another, on the accept thread itself.
        loop = try AcceptLoop(listener) { [self] socket, _ in
            serve(socket)
            return nil
        }
    }

    package func stop() {
        loop?.stop()
    }

    /// One connection; every wait bounded by `timeout`. Failures surface on the client's side.
    private func serve(_ socket: Socket) {
        let deadline = Deadline.after(seconds: timeout)
        guard let tls = try? TLSConnection.accepting(socket, context: context) else { return }
        do {
            try tls.handshake(until: deadline)
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            var received = 0
            while received < expectedBytes {
                received += try buffer.withUnsafeMutableBytes { raw in
                    try tls.read(into: raw, until: deadline)
                }
            }
            try tls.write([UInt8(ascii: "\n")], until: deadline)
            // Wait for the client's close_notify or FIN, so the client never sees a reset.
            _ = try? buffer.withUnsafeMutableBytes { raw in try tls.read(into: raw, until: deadline) }
            tls.shutdown()
        } catch {
            // The client's side reports the failure (a missing acknowledgement).
        }
    }
}
