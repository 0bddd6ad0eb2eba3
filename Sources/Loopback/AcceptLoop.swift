import Foundation
import ProxyCore

/// Accepts connections on a listening socket, in a thread of its own, until `stop()`.
///
/// Each connection goes to `accepted` on the accept thread; what it returns, if
/// anything, runs on a thread of its own. `stop()` returns only when the accept
/// thread and every such thread have finished: a worker that then exits can no
/// longer have a server thread inside OpenSSL while `OPENSSL_cleanup` runs.
package final class AcceptLoop: Sendable {
    private let listener: ListeningSocket
    private let threads = DispatchGroup()

    /// - Parameter accepted: given the connection and the client's port; returns the
    ///   rest of its work for a thread of its own, or `nil` when it is done with it.
    package init(_ listener: ListeningSocket,
                 accepted: @escaping @Sendable (Socket, UInt16) -> (@Sendable () -> Void)?) {
        self.listener = listener
        let threads = threads
        threads.enter()
        Thread.detachNewThread {
            defer { threads.leave() }
            while let (fd, clientPort) = listener.accept() {
                guard let work = accepted(Socket(adopting: fd, family: listener.address.family), clientPort) else { continue }
                threads.enter()
                Thread.detachNewThread {
                    defer { threads.leave() }
                    work()
                }
            }
        }
    }

    /// Ends the accept loop and waits for every connection's thread; each is bounded by its own deadline.
    package func stop() {
        listener.shutdown()
        threads.wait()
    }
}
