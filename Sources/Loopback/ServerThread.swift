import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Starts the loopback servers' threads, and says so when it cannot.
///
/// Foundation's `Thread.detachNewThread` gives no sign when `pthread_create`
/// fails (under `ulimit -v`, say): the connection would then never be served and
/// the cell would wait for its deadline, a timeout that is really the machine's
/// limit. Here the failure is an error with its errno.
enum ServerThread {
    static func start(_ body: @escaping @Sendable () -> Void) throws(SystemCallError) {
        let box = Unmanaged.passRetained(Body(body))
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw SystemCallError("pthread_create", errno: result)
        }
        pthread_detach(thread)
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
