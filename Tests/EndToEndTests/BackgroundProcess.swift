import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program started in the background with posix_spawn and reaped with waitpid, for tests
/// that signal it mid-run. Foundation's `Process` learns of a child's end from its own
/// SIGCHLD monitoring, which was seen to miss it (the child stayed a zombie and
/// `waitUntilExit` never returned) once the child left orphans behind: the very defect
/// these tests look for would then hang the test run instead of failing it.
final class BackgroundProcess: @unchecked Sendable {
    enum Reason { case exit, uncaughtSignal }

    let processIdentifier: pid_t
    private var status: Int32?

    /// Starts `executable` with `arguments` and exactly `environment`; stdin, stdout and stderr are /dev/null.
    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        processIdentifier = pid
    }

    deinit {
        if status == nil {
            kill(processIdentifier, SIGKILL)
            waitUntilExit()
        }
    }

    var isRunning: Bool {
        if status != nil { return false }
        var raw: Int32 = 0
        if waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier { status = raw }
        return status == nil
    }

    func waitUntilExit() {
        guard status == nil else { return }
        var raw: Int32 = 0
        while waitpid(processIdentifier, &raw, 0) < 0 && errno == EINTR {}
        status = raw
    }

    /// `.exit`, or `.uncaughtSignal` when a signal ended it (the low seven bits of the wait status).
    var terminationReason: Reason { (status ?? 0) & 0x7f == 0 ? .exit : .uncaughtSignal }

    /// The exit status, or the signal's number.
    var terminationStatus: Int32 {
        let raw = status ?? 0
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    }
}
