import Foundation
import ProxyCore
import Synchronization

/// Accepts connections on a listening socket, in a thread of its own, until `stop()`.
///
/// Each connection goes to `accepted` on the accept thread; what it returns, if
/// anything, runs on a thread of its own. `stop()` returns only when the accept
/// thread and every such thread have finished: a worker that then exits can no
/// longer have a server thread inside OpenSSL while `OPENSSL_cleanup` runs.
final class AcceptLoop: Sendable {
    private let listener: ListeningSocket
    private let threads = DispatchGroup()
    private let failure = Mutex<SystemCallError?>(nil)

    /// - Parameter accepted: given the connection and the client's port; returns the
    ///   rest of its work for a thread of its own, or `nil` when it is done with it.
    /// - Throws: when the accept thread cannot be started.
    init(_ listener: ListeningSocket,
                 accepted: @escaping @Sendable (Socket, UInt16) -> (@Sendable () -> Void)?) throws(SystemCallError) {
        self.listener = listener
        threads.enter()
        do throws(SystemCallError) {
            try ServerThread.start { [self] in
                defer { threads.leave() }
                while let (fd, clientPort) = listener.accept() {
                    guard let work = accepted(Socket(adopting: fd, family: listener.address.family), clientPort) else { continue }
                    threads.enter()
                    do throws(SystemCallError) {
                        try ServerThread.start { [threads] in
                            defer { threads.leave() }
                            work()
                        }
                    } catch {
                        // The connection is dropped (its socket closes with `work`): the
                        // client sees a reset at once, and the cell says why.
                        threads.leave()
                        failure.withLock { $0 = $0 ?? error }
                    }
                }
            }
        } catch {
            threads.leave()
            throw error
        }
    }

    /// Why a connection since the last call could not be served for want of a thread, if one could not.
    func takeThreadFailure() -> SystemCallError? {
        failure.withLock { failure in
            defer { failure = nil }
            return failure
        }
    }

    /// Ends the accept loop and waits for every connection's thread; each is bounded by its own deadline.
    func stop() {
        listener.shutdown()
        threads.wait()
    }
}
