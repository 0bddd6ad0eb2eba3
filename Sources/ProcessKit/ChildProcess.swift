import CLinux
import Foundation
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// A child process with its stdout and stderr on pipes (and, when asked, a private
/// message pipe on its descriptor 3); reaped exactly once.
///
/// `posix_spawn` rather than Foundation's `Process`: the supervisor needs to
/// poll the pipes against its own deadlines, kill on overrun, and read the
/// raw wait status to name the signal a worker died of.
package final class ChildProcess {
    package enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        /// Decodes a `waitpid` status with the C library's own macros.
        package init(waitStatus status: Int32) {
            self = tlsprobe_WIFSIGNALED(status) != 0 ? .signaled(tlsprobe_WTERMSIG(status)) : .exited(tlsprobe_WEXITSTATUS(status))
        }

        /// `exit status 1`, `SIGSEGV`.
        package var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signaled(let signal): SignalName.of(signal)
            }
        }
    }

    package let pid: pid_t
    package let stdout: Int32
    package let stderr: Int32
    /// The read end of the child's descriptor `messageDescriptor`, when it was given one: a
    /// channel for a protocol that nothing the child loads (a plug-in writing to stdout)
    /// can write into by accident.
    let messages: Int32?

    /// The descriptor number the child's message pipe has in the child.
    package static let messageDescriptor: Int32 = 3
    package private(set) var termination: Termination?
    /// Whether a guard (`tlsprobe guard`) stands between this process and the program.
    let guarded: Bool

    /// The tlsprobe binary whose hidden `guard` mode runs helper programs, set by the CLI
    /// at start; `nil` (a library user, a test runner) runs them unguarded.
    nonisolated(unsafe) package static var guardExecutable: String?

    /// Spawns `arguments[0]` (a path) with `environment` in `directory` (this process's
    /// own when `nil`); stdin is /dev/null. With `messageChannel` the child also gets
    /// a pipe on descriptor 3, read through `messages`.
    ///
    /// A `guarded` child is a helper program that forks on its own (apt and its methods,
    /// dpkg-deb, a worker build's swift-build and compilers): it runs under `tlsprobe guard`,
    /// which dies with this process even when it is SIGKILLed (its parent-death signal),
    /// and then kills and reaps every descendant, whatever process group or session it
    /// moved to, because it is their child subreaper. `TMPDIR` always points into the run's
    /// private folder when there is one, so whatever a helper leaves there goes with it.
    package init(arguments: [String], environment: [String: String], directory: String? = nil,
         messageChannel: Bool = false, guarded: Bool = false) throws(SystemCallError) {
        let guardExecutable = guarded ? Self.guardExecutable : nil
        let arguments = guardExecutable.map { [$0, "guard", "\(getpid())", "--"] + arguments } ?? arguments
        var environment = environment
        if let folder = PrivateFolder.current { environment["TMPDIR"] = folder }
        self.guarded = guardExecutable != nil
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var messagePipe: [Int32] = [-1, -1]
        // Close-on-exec from birth (pipe2): workers are spawned concurrently, and a pipe
        // made close-on-exec only afterwards could leak into a sibling spawned in between,
        // keeping this worker's output open after it ended.
        guard tlsprobe_pipe_cloexec(&outPipe) == 0 else { throw SystemCallError("pipe2", errno: errno) }
        guard tlsprobe_pipe_cloexec(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw SystemCallError("pipe2", errno: errno)
        }
        if messageChannel && tlsprobe_pipe_cloexec(&messagePipe) != 0 {
            let code = errno
            close(outPipe[0]); close(outPipe[1]); close(errPipe[0]); close(errPipe[1])
            throw SystemCallError("pipe2", errno: code)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if messageChannel { posix_spawn_file_actions_adddup2(&actions, messagePipe[1], Self.messageDescriptor) }
        if let directory { tlsprobe_spawn_add_chdir(&actions, directory) }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        // The child starts clean: no signal blocked (Dispatch threads, which spawn
        // workers, block most of them) and the default action for every signal this
        // process ignores or handles, so a worker dies of SIGTERM like any process.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Its own process group (led by the child): whatever it forks, a plug-in's or apt's
        // helpers, is killed with it by one signal to the group.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let status = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        if messageChannel { close(messagePipe[1]) }
        guard status == 0 else {
            close(outPipe[0]); close(errPipe[0])
            if messageChannel { close(messagePipe[0]) }
            throw SystemCallError("posix_spawn(\(arguments[0]))", errno: status)
        }
        pid = child
        // Every child spawned and not yet reaped, so that a parent being terminated takes it
        // along: a table that a signal handler and exit() read with no lock and no allocation.
        _ = tlsprobe_children_add(child, self.guarded ? 1 : 0)
        stdout = outPipe[0]
        stderr = errPipe[0]
        messages = messageChannel ? messagePipe[0] : nil
        if let messages { _ = fcntl(messages, F_SETFL, fcntl(messages, F_GETFL) | O_NONBLOCK) }
        _ = fcntl(stdout, F_SETFL, fcntl(stdout, F_GETFL) | O_NONBLOCK)
        _ = fcntl(stderr, F_SETFL, fcntl(stderr, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        killGroup()
        if termination == nil { _ = wait() }
        close(stdout)
        close(stderr)
        if let messages { close(messages) }
    }

    /// Kills every live child and reaps those that end within `grace` seconds
    /// (a supervisor thread may reap one first; either way it is gone). A guard is
    /// asked with SIGTERM, so that it takes its whole tree along.
    package static func killAll(grace: Double = 2) {
        tlsprobe_children_end(Int32(min(max(grace, 0), 60) * 1000))
    }

    /// Signals the child and everything in its process group, while the child is unreaped.
    /// A guard gets SIGTERM whatever `signal` is: SIGKILL would leave it no time to end
    /// the program's tree (its program would still die, but not the program's children).
    package func kill(signal: Int32 = SIGKILL) {
        guard termination == nil else { return }
        if guarded {
            Glibc.kill(pid, SIGTERM)
        } else {
            Glibc.kill(-pid, signal)
        }
    }

    /// Kills what is left of the child's process group, also after the child itself was
    /// reaped: processes it forked (a plug-in's, a build's) outlive it otherwise. The group
    /// id cannot be reused while any member lives, so this reaches only the child's own.
    /// A guard reaps its whole tree before it ends: until then it is asked, not killed.
    package func killGroup() {
        if guarded {
            if termination == nil { Glibc.kill(pid, SIGTERM) }
        } else {
            Glibc.kill(-pid, SIGKILL)
        }
    }

    /// Kills every other process of the child's group, leaving the child itself: what a
    /// plug-in forked in one cell dies when that cell ends, not when its worker does.
    /// Members are found by their process group in `/proc/PID/stat`.
    package func killForks() {
        guard termination == nil, !guarded,
              let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        for entry in entries {
            guard let member = pid_t(entry), member != pid, Self.processGroup(of: member) == pid else { continue }
            Glibc.kill(member, SIGKILL)
        }
    }

    /// The process group of `process` (the fifth field of `/proc/PID/stat`), or `nil` when it is gone.
    static func processGroup(of process: pid_t) -> pid_t? {
        let descriptor = open("/proc/\(process)/stat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        // "PID (COMM) STATE PPID PGRP …": COMM may hold spaces and parentheses, so after the last ')'.
        let text = buffer[..<count]
        guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 2 else { return nil }
        return pid_t(String(decoding: fields[2], as: UTF8.self))
    }

    /// Reads what a non-blocking pipe holds into `target`; `false` at end of file.
    static func drain(_ fd: Int32, into target: inout [UInt8]) -> Bool {
        read(fd, budget: .max) { target += $0 }
    }

    /// Reads what the non-blocking `fd` holds now, handing each chunk to `take`, but at most
    /// `budget` bytes, so that a child writing without pause cannot keep the caller from its
    /// deadlines. `false` at end of file (or a read error other than "nothing yet").
    static func read(_ fd: Int32, budget: Int, _ take: (ArraySlice<UInt8>) -> Void) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        var taken = 0
        while taken < budget {
            let count = Glibc.read(fd, &chunk, chunk.count)
            if count > 0 {
                take(chunk[..<count])
                taken += count
                continue
            }
            if count == 0 { return false }
            return errno == EAGAIN || errno == EINTR
        }
        return true
    }

    /// Blocks until the child ends.
    @discardableResult
    package func wait() -> Termination {
        if let termination { return termination }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let result = Termination(waitStatus: status)
        tlsprobe_children_remove(pid)
        termination = result
        return result
    }
}
