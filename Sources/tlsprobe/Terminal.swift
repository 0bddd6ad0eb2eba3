import Foundation
import ProxyCore

/// Where the CLI writes, and whether colour is welcome there.
enum Terminal {
    /// Writes all of `text` to stdout. A stdout that cannot take it (a full disk,
    /// a closed pipe) ends the run with one line on stderr and exit 2, never a crash.
    static func write(_ text: String) {
        do {
            try writeAll(text, to: STDOUT_FILENO)
        } catch {
            writeError("tlsprobe: cannot write to standard output: \(ErrnoName.describe(error.errno))\n")
            exit(2)
        }
    }

    static func writeError(_ text: String) {
        // Nowhere left to report a failure of stderr itself.
        try? writeAll(text, to: STDERR_FILENO)
    }

    /// `write(2)` until every byte is out, retrying on EINTR.
    static func writeAll(_ text: String, to descriptor: Int32) throws(SystemCallError) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write", errno: errno)
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
