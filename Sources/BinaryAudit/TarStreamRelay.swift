import Foundation
import ProcessKit
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Carries a package's tar stream from `dpkg-deb --fsys-tarfile` (its stdout) to
/// `tar -x` (reading a FIFO in the package's private folder), counting every byte,
/// so that unpacking has a bound that holds *while* it runs.
///
/// Stopped early, with both programs killed, when the stream passes the limit,
/// when tar says the disk is full (it would otherwise go on reading a 5 GB stream
/// only to fail every write), or at the deadline. Both programs run as helpers
/// (`ChildProcess(guarded:)`), so a signal to tlsprobe takes them along.
final class TarStreamRelay {
    enum Outcome {
        case complete
        case overLimit
        case noSpace
        case tarEnded
        case timedOut
    }

    private let dpkgDeb: ChildProcess
    private let tar: ChildProcess
    private let limit: UnpackLimit
    private let deadline: Deadline
    private let stream: String
    /// Where tar writes: its file system is the one that may fill up.
    private let tree: String
    /// The FIFO's write end, once tar has opened it for reading.
    private var fifo: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)
    private var pending = 0..<0
    private var dpkgDebOpen = true
    private(set) var total: UInt64 = 0
    private var dpkgDebErrors = Tail()
    private var tarErrors = Tail()

    /// The tail of what a helper wrote to stderr: enough for its error, bounded whatever it writes.
    struct Tail {
        private(set) var bytes: [UInt8] = []
        static let limit = 4096

        mutating func read(from descriptor: Int32) {
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = Glibc.read(descriptor, &chunk, chunk.count)
                guard count > 0 else { return }
                bytes += chunk[..<count]
                if bytes.count > Self.limit { bytes.removeFirst(bytes.count - Self.limit) }
            }
        }

        /// The last lines, on one line.
        var summary: String {
            let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
            return lines.suffix(3).joined(separator: "; ")
        }

        /// Whether tar's words say the disk filled up: ENOSPC named, or a short write (GNU tar's
        /// "Wrote only N of M bytes", what a full tmpfs often gives) while the file system
        /// holding `folder` has less than 1 MiB left for this user.
        func diskIsFull(in folder: String) -> Bool {
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains("No space left on device") { return true }
            guard text.contains("Wrote only") else { return false }
            var info = statvfs()
            guard statvfs(folder, &info) == 0 else { return false }
            let (free, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
            return !overflow && free < 1 << 20
        }
    }

    private init(dpkgDeb: ChildProcess, tar: ChildProcess, limit: UnpackLimit, deadline: Deadline, stream: String, tree: String) {
        self.dpkgDeb = dpkgDeb
        self.tar = tar
        self.limit = limit
        self.deadline = deadline
        self.stream = stream
        self.tree = tree
    }

    deinit {
        if fifo >= 0 { close(fifo) }
    }

    /// Unpacks `package` into `tree` through the FIFO `stream`; throws what stopped it.
    static func run(dpkgDeb path: String, tar tarPath: String, package: String, stream: String, tree: String,
                    limit: UnpackLimit, base: String, deadlineSeconds: Double) throws(InputError) {
        func refuse(_ message: String) -> InputError { InputError(source: package, message: message) }
        // A write to the FIFO after tar died must be an EPIPE to report, not a signal that
        // ends the process (tlsprobe's main ignores SIGPIPE already; a library user may not).
        signal(SIGPIPE, SIG_IGN)
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        let tar: ChildProcess
        do {
            tar = try ChildProcess(arguments: [tarPath, "-x", "-f", stream, "-C", tree, "--no-same-owner", "--no-same-permissions",
                                               "--warning=no-timestamp"],
                                   environment: environment, guarded: true)
        } catch {
            throw refuse("cannot start tar: \(error)")
        }
        let dpkgDeb: ChildProcess
        do {
            dpkgDeb = try ChildProcess(arguments: [path, "--fsys-tarfile", package], environment: environment, guarded: true)
        } catch {
            tar.kill()
            tar.wait()
            throw refuse("cannot start dpkg-deb: \(error)")
        }
        let relay = TarStreamRelay(dpkgDeb: dpkgDeb, tar: tar, limit: limit, deadline: .after(seconds: deadlineSeconds),
                                   stream: stream, tree: tree)
        let outcome = relay.carry()
        switch outcome {
        case .overLimit, .noSpace, .timedOut:
            dpkgDeb.kill()
            tar.kill()
        case .complete, .tarEnded:
            break
        }
        let end = relay.finish()
        let noSpace = "no space left on device in \(base) after unpacking \(relay.total >> 20) MiB of it: free space there or point TMPDIR elsewhere"
        switch end.overLimit ? .overLimit : outcome {
        case .overLimit:
            throw refuse("expands to more than \(limit) (\(UnpackLimit.variable) changes the limit): unpacking stopped at \(relay.total) bytes")
        case .noSpace:
            throw refuse(noSpace)
        case .timedOut:
            throw refuse("unpacking took longer than \(Int(deadlineSeconds)) s and was stopped")
        case .complete, .tarEnded:
            break
        }
        func tarFailed() -> InputError {
            if relay.tarErrors.diskIsFull(in: tree) { return refuse(noSpace) }
            let said = relay.tarErrors.summary
            return refuse("tar cannot unpack its files (\(end.tar.map(\.description) ?? "stopped at the deadline")): \(said.isEmpty ? "no message" : said)")
        }
        if end.stoppedForTar { throw tarFailed() }
        guard end.dpkgDeb == .exited(0) else {
            let said = relay.dpkgDebErrors.summary
            throw refuse("not a package dpkg-deb can unpack (\(end.dpkgDeb.map(\.description) ?? "stopped at the deadline")): \(said.isEmpty ? "no message" : said)")
        }
        guard end.tar == .exited(0) else { throw tarFailed() }
    }

    /// Moves the stream until it ends or something stops it.
    private func carry() -> Outcome {
        while true {
            if deadline.remainingMilliseconds == 0 { return .timedOut }
            if fifo < 0 {
                fifo = open(stream, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                if fifo < 0 {
                    // ENXIO: tar has not opened its end yet.
                    guard errno == ENXIO || errno == EINTR, !Self.hasExited(tar) else { return .tarEnded }
                    drainErrors()
                    usleep(2000)
                    continue
                }
            }
            if pending.isEmpty && !dpkgDebOpen {
                close(fifo)
                fifo = -1
                return .complete
            }
            var fds = [
                pollfd(fd: pending.isEmpty && dpkgDebOpen ? dpkgDeb.stdout : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: pending.isEmpty ? -1 : fifo, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: dpkgDeb.stderr, events: Int16(POLLIN), revents: 0),
                pollfd(fd: tar.stderr, events: Int16(POLLIN), revents: 0),
                pollfd(fd: tar.stdout, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(fds.count), min(deadline.remainingMilliseconds, 100))
            if ready < 0 && errno != EINTR { return .tarEnded }
            if fds[2].revents != 0 || fds[3].revents != 0 || fds[4].revents != 0 {
                drainErrors()
                if tarErrors.diskIsFull(in: tree) { return .noSpace }
            }
            if ready <= 0 {
                if Self.hasExited(tar) { return .tarEnded }
                continue
            }
            if fds[0].revents != 0 {
                let count = read(dpkgDeb.stdout, &buffer, buffer.count)
                if count > 0 {
                    total += UInt64(count)
                    if total > limit.bytes { return .overLimit }
                    pending = 0..<count
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    dpkgDebOpen = false
                }
            }
            if fds[1].revents & Int16(POLLERR | POLLHUP) != 0 { return .tarEnded }
            if fds[1].revents != 0 {
                let written = buffer[pending].withUnsafeBytes { write(fifo, $0.baseAddress, $0.count) }
                if written > 0 {
                    pending = pending.lowerBound + written..<pending.upperBound
                } else if written < 0 && errno != EAGAIN && errno != EINTR {
                    return .tarEnded
                }
            }
        }
    }

    /// How the two programs ended: `nil` for one still running at the deadline (then killed).
    struct End {
        var dpkgDeb: ChildProcess.Termination?
        var tar: ChildProcess.Termination?
        /// dpkg-deb was killed because tar had failed: the failure is tar's.
        var stoppedForTar = false
        /// What dpkg-deb wrote after tar had ended passed the limit too (it was killed then).
        var overLimit = false
    }

    /// Waits for both programs (killed ones too) until the deadline, draining their
    /// stderr meanwhile so that neither blocks on a full pipe; kills what is left then.
    /// What dpkg-deb writes after tar has ended (padding past the archive's end) is
    /// read and dropped; if tar ended in failure, dpkg-deb is stopped instead.
    private func finish() -> End {
        if fifo >= 0 {
            close(fifo)
            fifo = -1
        }
        var end = End()
        var dpkgDebDone = false, tarDone = false
        while !(dpkgDebDone && tarDone) {
            if !tarDone && Self.hasExited(tar) {
                tarDone = true
                let status = tar.wait()
                end.tar = status
                if status != .exited(0) && !Self.hasExited(dpkgDeb) {
                    dpkgDeb.kill()
                    end.stoppedForTar = true
                }
            }
            if !dpkgDebDone && Self.hasExited(dpkgDeb) {
                dpkgDebDone = true
                end.dpkgDeb = dpkgDeb.wait()
            }
            if deadline.remainingMilliseconds == 0 {
                if !dpkgDebDone { dpkgDeb.kill(); dpkgDeb.wait(); dpkgDebDone = true }
                if !tarDone { tar.kill(); tar.wait(); tarDone = true }
                break
            }
            // Dropped, not written, but still counted: a stream that goes on past the archive's
            // end (gigabytes of padding) is stopped at the limit like any other.
            var sink = [UInt8](repeating: 0, count: 65536)
            while !dpkgDebDone && !end.overLimit {
                let count = read(dpkgDeb.stdout, &sink, sink.count)
                guard count > 0 else { break }
                total += UInt64(count)
                if total > limit.bytes {
                    end.overLimit = true
                    dpkgDeb.kill()
                }
            }
            drainErrors()
            if !(dpkgDebDone && tarDone) { usleep(2000) }
        }
        drainErrors()
        return end
    }

    private func drainErrors() {
        dpkgDebErrors.read(from: dpkgDeb.stderr)
        tarErrors.read(from: tar.stderr)
        var sink = [UInt8](repeating: 0, count: 4096)
        while read(tar.stdout, &sink, sink.count) > 0 {}
    }

    /// Whether the child is gone, without reaping it (`ChildProcess.wait` does that, once).
    private static func hasExited(_ child: ChildProcess) -> Bool {
        if child.termination != nil { return true }
        var info = siginfo_t()
        let status = waitid(P_PID, id_t(bitPattern: child.pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if status < 0 { return errno == ECHILD }
        return info.si_signo != 0
    }
}
