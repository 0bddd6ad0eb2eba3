import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// One run of a helper program (apt-get and dpkg-deb fetching a runtime, the runtime's
/// loader listing what its libssl needs, or the source tree's `scripts/build-runtime-worker`):
/// its stderr handed on line by line as it comes (progress), its stdout kept
/// (the result), all under a deadline.
package struct ScriptRun {
    package let termination: ChildProcess.Termination
    package let stdout: String
    package let stderrLines: [String]
    package let timedOut: Bool

    /// Runs `arguments` (`arguments[0]` a path) with `environment` in `directory`; `line` sees each stderr line.
    package static func run(_ arguments: [String], environment: [String: String], directory: String? = nil, seconds: Double,
                    line: (String) -> Void = { _ in }) throws(SystemCallError) -> ScriptRun {
        let child = try ChildProcess(arguments: arguments, environment: environment, directory: directory, guarded: true)
        let deadline = Deadline.after(seconds: seconds)
        var out: [UInt8] = [], err: [UInt8] = [], lines: [String] = []
        var open = (out: true, err: true)
        var timedOut = false
        while open.out || open.err {
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 {
                timedOut = true
                child.kill()
                break
            }
            var fds = [pollfd(fd: open.out ? child.stdout : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open.err ? child.stderr : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, min(remaining, 1000))
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            if fds[0].revents != 0 { open.out = ChildProcess.drain(child.stdout, into: &out) }
            if fds[1].revents != 0 {
                open.err = ChildProcess.drain(child.stderr, into: &err)
                while let newline = err.firstIndex(of: UInt8(ascii: "\n")) {
                    let text = String(decoding: err[..<newline], as: UTF8.self)
                    err.removeSubrange(...newline)
                    lines.append(text)
                    line(text)
                }
            }
        }
        if !err.isEmpty { lines.append(String(decoding: err, as: UTF8.self)) }
        let termination = child.wait()
        return ScriptRun(termination: termination, stdout: String(decoding: out, as: UTF8.self),
                         stderrLines: lines, timedOut: timedOut)
    }

    /// Whether it ran to the end and exited 0.
    package var succeeded: Bool { termination == .exited(0) && !timedOut }
}
