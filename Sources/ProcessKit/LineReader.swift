import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ProxyCore

/// Reads a child's protocol line by line under deadlines: from its private message pipe
/// (descriptor 3) when it has one, else from its stdout. Whatever else it writes (stdout
/// beside a message pipe, and stderr) is only diagnostics: drained on the way, so a
/// chatty child never blocks on a full pipe, and kept as a bounded tail, so a child that
/// writes without end never grows this process.
///
/// The end of the child is its exit, not the end of its pipes: a process it forked (a
/// plug-in's) may hold them open long after the child is gone. A message line longer
/// than `lineLimit` is dropped whole rather than buffered.
package final class LineReader {
    package enum Next {
        case line(String)
        case end
        case timedOut
    }

    /// Longest message line kept; a worker's results are a few KB.
    static let lineLimit = 1 << 20

    private let child: ChildProcess
    /// The descriptor lines come from: `child.messages`, else `child.stdout`.
    private let source: Int32
    private var buffer: [UInt8] = []
    /// Inside a line over `lineLimit`, dropped up to its newline.
    private var discarding = false
    private var stdoutTailBuffer = OutputTail()
    private var stderrTailBuffer = OutputTail()
    private var sourceOpen = true
    private var stdoutOpen: Bool
    private var stderrOpen = true
    /// Set once the child has exited (or was reaped): no line can come after what its pipes hold now.
    private var exited = false

    package init(child: ChildProcess) {
        self.child = child
        source = child.messages ?? child.stdout
        stdoutOpen = child.messages != nil
    }

    /// The last lines the child wrote to stderr, on one line.
    package var stderrTail: String { stderrTailBuffer.summary() }

    /// The last lines the child wrote to stdout beside its message pipe, on one line.
    package var stdoutTail: String { stdoutTailBuffer.summary() }

    /// The last `count` lines of its stderr (of the last 4 KB), one string each.
    package func stderrLines(_ count: Int) -> [String] { stderrTailBuffer.lines(count) }

    /// The last `count` lines of its stdout beside the message pipe, one string each.
    package func stdoutLines(_ count: Int) -> [String] { stdoutTailBuffer.lines(count) }

    /// Bytes the child wrote to stderr in all, kept or not.
    var stderrBytes: Int { stderrTailBuffer.total }

    package func next(until deadline: Deadline) -> Next {
        while true {
            if let line = takeLine() { return .line(line) }
            if exited || (!sourceOpen && childHasExited()) {
                // Its pipes hold all it wrote before it ended; a forked process that kept
                // them open is no reason to wait.
                if sourceOpen { sourceOpen = readSource() }
                if let line = takeLine() { return .line(line) }
                drainDiagnostics()
                return .end
            }
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 { return .timedOut }
            // Short slices: the child's exit is noticed by polling it, not by its pipes' end.
            let slice = min(remaining, sourceOpen ? 100 : 10)
            var fds = [pollfd(fd: sourceOpen ? source : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdoutOpen ? child.stdout : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stderrOpen ? child.stderr : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, slice)
            if ready < 0 && errno != EINTR { return .end }
            if ready <= 0 {
                if childHasExited() { exited = true }
                continue
            }
            if fds[2].revents != 0 { stderrOpen = stderrTailBuffer.read(from: child.stderr) }
            if fds[1].revents != 0 { stdoutOpen = stdoutTailBuffer.read(from: child.stdout) }
            if fds[0].revents != 0 { sourceOpen = readSource() }
        }
    }

    /// Collects what the child left on stderr (and stdout, beside a message pipe) once it has exited.
    package func drainStderr() {
        drainDiagnostics()
    }

    private func drainDiagnostics() {
        if stderrOpen { stderrOpen = stderrTailBuffer.read(from: child.stderr) }
        if stdoutOpen { stdoutOpen = stdoutTailBuffer.read(from: child.stdout) }
    }

    /// Whether the child is gone, without reaping it (its owner does that, once).
    private func childHasExited() -> Bool {
        if child.termination != nil { return true }
        var info = siginfo_t()
        let status = waitid(P_PID, id_t(bitPattern: child.pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if status < 0 { return errno == ECHILD }
        return info.si_signo != 0
    }

    /// Reads what the line source holds now (a bounded amount); `false` at its end.
    private func readSource() -> Bool {
        ChildProcess.read(source, budget: 1 << 20) { take($0) }
    }

    private func take(_ bytes: ArraySlice<UInt8>) {
        var bytes = bytes
        if discarding {
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return }
            discarding = false
            bytes = bytes[bytes.index(after: newline)...]
        }
        buffer += bytes
        // A line too long to be a message, so far without its newline: dropped, not kept.
        if buffer.count > Self.lineLimit, !buffer.contains(UInt8(ascii: "\n")) {
            buffer = []
            discarding = true
        }
    }

    private func takeLine() -> String? {
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[..<newline]
            buffer.removeSubrange(...newline)
            if line.count <= Self.lineLimit { return String(decoding: line, as: UTF8.self) }
        }
        if buffer.count > Self.lineLimit {
            buffer = []
            discarding = true
        }
        return nil
    }
}
