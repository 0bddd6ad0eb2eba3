import Foundation
@testable import ProcessKit
import ProxyCore
import Testing
import TestSupport

/// `ChildProcess`: real children of `/bin/sh`, reaped once, their wait status decoded.
@Suite struct ChildProcessTests {
    /// Spawns with the calling thread's signal mask set to block exactly `signals` for the
    /// spawn, then restored: what the child inherits does not depend on the thread the test runs on.
    static func spawn(_ arguments: [String], blocking signals: [Int32] = []) throws -> ChildProcess {
        var mask = sigset_t(), saved = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        pthread_sigmask(SIG_SETMASK, &mask, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try ChildProcess(arguments: arguments, environment: ["PATH": "/usr/bin:/bin"])
    }

    static func shell(_ script: String) throws -> ChildProcess {
        try spawn(["/bin/sh", "-c", script])
    }

    /// The signals in one of `pid`'s kernel masks (`SigBlk`, `SigIgn`: bit N-1 for signal N).
    static func signals(of pid: pid_t, _ field: String) throws -> [Int32] {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("\(field):") })
        let mask = try #require(UInt64(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16))
        return (1...64).filter { mask & (1 << UInt64($0 - 1)) != 0 }.map(Int32.init)
    }

    /// Raw `waitpid` statuses as Linux lays them out: the exit code in bits 8–15; the signal
    /// in bits 0–6, with 0x80 when a core was dumped.
    @Test(arguments: [
        (Int32(0), "exited", Int32(0)),
        (3 << 8, "exited", 3),
        (255 << 8, "exited", 255),
        (SIGSEGV, "signaled", SIGSEGV),
        (SIGSEGV | 0x80, "signaled", SIGSEGV),
        (SIGKILL, "signaled", SIGKILL),
        (SIGABRT | 0x80, "signaled", SIGABRT),
    ])
    func decodesWaitStatuses(_ status: Int32, _ kind: String, _ value: Int32) {
        let expected: ChildProcess.Termination = kind == "exited" ? .exited(value) : .signaled(value)
        #expect(ChildProcess.Termination(waitStatus: status) == expected)
    }

    @Test(arguments: [
        ("exit 0", "exited", Int32(0), "exit status 0"),
        ("exit 3", "exited", 3, "exit status 3"),
        // No core file: the signal is what matters, not a dump on the test host.
        ("ulimit -c 0; kill -SEGV $$", "signaled", SIGSEGV, "SIGSEGV"),
        ("kill -KILL $$", "signaled", SIGKILL, "SIGKILL"),
    ])
    func waitReportsHowARealChildEnded(_ script: String, _ kind: String, _ value: Int32, _ description: String) throws {
        let expected: ChildProcess.Termination = kind == "exited" ? .exited(value) : .signaled(value)
        let child = try Self.shell(script)
        #expect(child.termination == nil)
        let termination = child.wait()
        #expect(termination == expected)
        #expect(termination.description == description)
        #expect(child.termination == expected)
        // Reaped exactly once: a second wait answers from the record.
        #expect(child.wait() == expected)
    }

    /// Spawned from a thread that blocks SIGTERM (as Dispatch threads, which spawn
    /// workers, do), the child still dies of it.
    @Test func killEndsTheChildWithTheSignalAsked() throws {
        let child = try Self.spawn(["/bin/sleep", "30"], blocking: [SIGTERM])
        // Checked first, so that a child which would ignore SIGTERM fails here instead of sleeping on.
        try #require(try !Self.signals(of: child.pid, "SigBlk").contains(SIGTERM))
        child.kill(signal: SIGTERM)
        #expect(child.wait() == .signaled(SIGTERM))
        // After the reap the pid is no longer ours: kill does nothing.
        child.kill()
        #expect(child.wait() == .signaled(SIGTERM))
    }

    /// A worker must be as killable as any process: SIGTERM from a user or a service manager
    /// ends it. Neither the spawning thread's signal mask nor this process's ignored signals
    /// (SIGPIPE, ignored by every test process and by tlsprobe) reach the child.
    @Test func aChildStartsWithNoSignalBlockedOrIgnored() throws {
        TestProcess.prepare()
        let child = try Self.spawn(["/bin/sleep", "30"], blocking: [SIGHUP, SIGINT, SIGTERM])
        let blocked = try Self.signals(of: child.pid, "SigBlk")
        #expect(blocked == [], "the child starts with \(blocked.map(SignalName.of)) blocked")
        let ignored = try Self.signals(of: child.pid, "SigIgn").filter { $0 < 32 }
        #expect(ignored == [], "the child starts with \(ignored.map(SignalName.of)) ignored")
        child.kill()
        #expect(child.wait() == .signaled(SIGKILL))
    }

    @Test func descriptionsNameSignalsAsABugReportQuotesThem() {
        #expect(ChildProcess.Termination.exited(3).description == "exit status 3")
        #expect(ChildProcess.Termination.signaled(SIGSEGV).description == "SIGSEGV")
        #expect(ChildProcess.Termination.signaled(SIGABRT).description == "SIGABRT")
        #expect(ChildProcess.Termination.signaled(77).description == "signal 77")
    }

    @Test func aProgramThatCannotBeStartedIsASystemCallError() throws {
        let error = try #require(throws: SystemCallError.self) {
            try ChildProcess(arguments: ["/nonexistent/tlsprobe-worker"], environment: [:])
        }
        #expect(error.operation == "posix_spawn(/nonexistent/tlsprobe-worker)")
        #expect(error.errno == ENOENT)
    }

    /// The processes whose command line is exactly `command`.
    static func running(_ command: String) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  let state = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  !state.contains(") Z ") else { return nil }
            return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ") == command + " " ? pid : nil
        }
    }

    /// A guarded child (a helper) that forked into another session and left an orphan: `kill`
    /// asks its guard, which ends all of it, where a signal to the child's group alone left two
    /// of the three running.
    @Test func killingAGuardedChildEndsEveryDescendant() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Repository.binary), "needs the built tlsprobe for its guard")
        ChildProcess.guardExecutable = Repository.binary
        let child = try ChildProcess(arguments: ["/bin/sh", "-c", "setsid sleep 1031 & (sleep 1032 &); exec sleep 1033"],
                                     environment: ["PATH": "/usr/bin:/bin"], guarded: true)
        #expect(child.guarded)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && ["sleep 1031", "sleep 1032", "sleep 1033"].contains(where: { Self.running($0).isEmpty }) { usleep(20_000) }
        #expect(!Self.running("sleep 1031").isEmpty && !Self.running("sleep 1032").isEmpty)
        child.kill()
        #expect(child.wait() == .signaled(SIGTERM) || child.wait() == .exited(128 + SIGTERM))
        for command in ["sleep 1031", "sleep 1032", "sleep 1033"] {
            #expect(Self.running(command).isEmpty, "\(command) still runs")
        }
    }
}
