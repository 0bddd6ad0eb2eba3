import Foundation

/// Waiting for what another process does (a worker to appear, a tree to be gone):
/// the tests poll for it under a limit instead of sleeping a guessed time.
package enum Polling {
    /// Whether `condition` held within `limit` seconds, polled every 20 ms (and once more at the end).
    package static func waitUntil(_ limit: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
