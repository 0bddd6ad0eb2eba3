import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ProxyCore

/// Reads a child's stdout line by line under deadlines, draining stderr on the way
/// so a chatty child never blocks on a full pipe.
final class LineReader {
    enum Next {
        case line(String)
        case end
        case timedOut
    }

    private let child: ChildProcess
    private var buffer: [UInt8] = []
    private var stderrBuffer: [UInt8] = []
    private var stdoutOpen = true
    private var stderrOpen = true

    init(child: ChildProcess) {
        self.child = child
    }

    /// The last lines the child wrote to stderr, on one line.
    var stderrTail: String {
        let text = String(decoding: stderrBuffer.suffix(600), as: UTF8.self)
        return text.split(separator: "\n").suffix(3).joined(separator: " | ")
    }

    func next(until deadline: Deadline) -> Next {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            if !stdoutOpen { return .end }
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 { return .timedOut }
            var fds = [pollfd(fd: child.stdout, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stderrOpen ? child.stderr : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, remaining)
            if ready < 0 && errno != EINTR { return .end }
            if ready <= 0 { continue }
            if fds[1].revents != 0 { stderrOpen = ChildProcess.drain(child.stderr, into: &stderrBuffer) }
            if fds[0].revents != 0 { stdoutOpen = ChildProcess.drain(child.stdout, into: &buffer) }
        }
    }

    /// Collects what the child left on stderr once it has exited.
    func drainStderr() {
        if stderrOpen { stderrOpen = ChildProcess.drain(child.stderr, into: &stderrBuffer) }
    }
}
