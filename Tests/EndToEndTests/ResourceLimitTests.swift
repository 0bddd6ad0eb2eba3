import Foundation
import MatrixModel
import TestSupport
import Testing

/// Out of descriptors or memory is the machine's limit, reported as such with the
/// errno's name and exit 3: never a timeout, a failed cell or a silent signal.
/// Serialized: the process-limit tests share one user, whose processes the limit counts together.
@Suite(.serialized) struct ResourceLimitTests {
    /// Too few descriptors for a run: exit 3 at once, one line naming the limit as the user set
    /// it. Under `ulimit -n 5` the line named no limit; under 7 and 8 cells timed out (the
    /// loopback server's accept failed with EMFILE) and the run failed with exit 1; under 9 to 11
    /// a cached runtime whose files could not be opened was reported damaged, exit 2.
    @Test(arguments: [5, 8, 12])
    func tooFewDescriptorsIsExit3NamingTheLimit(_ limit: Int) throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json"],
                              through: ["/usr/bin/prlimit", "--nofile=\(limit)"])
        #expect(run.status == 3, "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n") == ["tlsprobe: cannot open enough descriptors: the limit on open files (ulimit -n \(limit)) is below the 32 a run needs"],
                "\(run.stderr)")
    }

    /// At the limit a run needs, it runs whole.
    @Test func enoughDescriptorsRunWhole() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--format", "json"], through: ["/usr/bin/prlimit", "--nofile=32"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.allSatisfy { $0.outcome == .ok || $0.outcome == .unsupported }, "\(report.cells.map(\.outcome))")
    }

    /// A user created for the test (RLIMIT_NPROC binds no root), or `nil` when this is no root.
    static let unprivilegedUser: String? = {
        guard getuid() == 0 else { return nil }
        let name = "tlsprobe-nproc"
        if getpwnam(name) == nil {
            _ = try? ProcessRunner.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        }
        return getpwnam(name) == nil ? nil : name
    }()

    /// The few processes `ulimit -u 3` or 4 leave: exit 3 at once with one line naming the limit.
    /// It used to hang for good (libdispatch retries pthread_create forever) and to ignore
    /// SIGTERM, SIGINT and SIGHUP, whose Dispatch sources had no thread to run on; at 4 the
    /// cells of a family were skipped as "no ipv6 loopback here" and the run passed. (At 5 a
    /// one-mode run may fit whole, or end with exit 3 when it does not: both are right.)
    @Test(arguments: [3, 4])
    func tooFewProcessesIsExit3NamingTheLimit(_ limit: Int) throws {
        let user = try #require(Self.unprivilegedUser, "needs root, to run the binary as a user the limit binds")
        // `timeout` turns a hang (the defect) into a failure instead of a stuck test run.
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json"],
                              through: ["/usr/bin/timeout", "-s", "KILL", "60", "/usr/bin/setpriv", "--reuid", user, "--regid", user,
                                        "--clear-groups", "/usr/bin/prlimit", "--nproc=\(limit)"])
        #expect(run.status == 3, "stderr: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines == ["tlsprobe: cannot start a thread or process: the limit on processes (ulimit -u \(limit)) is reached"],
                "\(run.stderr)")
    }

    /// Enough processes for the run: it runs whole, as before.
    @Test func enoughProcessesRunWhole() throws {
        let user = try #require(Self.unprivilegedUser, "needs root, to run the binary as a user the limit binds")
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json"],
                              through: ["/usr/bin/timeout", "-s", "KILL", "60", "/usr/bin/setpriv", "--reuid", user, "--regid", user,
                                        "--clear-groups", "/usr/bin/prlimit", "--nproc=8"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.allSatisfy { $0.outcome == .ok || $0.outcome == .unsupported }, "\(report.cells.map(\.outcome))")
    }

    /// Too little address space for the loopback servers' threads: exit 3 with one line naming
    /// `ulimit -v`, or (when the threads fit) cells skipped naming pthread_create's errno; never
    /// a timeout, where they used to time out one by one, and never a backtrace.
    @Test func tooLittleMemoryForThreadsIsNeverATimeout() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json"],
                              through: ["/bin/sh", "-c", "ulimit -v 100000 && exec \"$0\" \"$@\""])
        if run.stdout.isEmpty {
            #expect(run.status == 3, "stderr: \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("ulimit -v 100000"), "\(run.stderr)")
            return
        }
        let report = try Report.decode(run.stdout)
        #expect(!report.cells.isEmpty)
        for cell in report.cells {
            #expect(cell.outcome != .timeout, "\(cell.name) timed out: \(cell.reason ?? "")")
        }
        let skipped = report.cells.filter { $0.outcome == .skipped }
        #expect(!skipped.isEmpty, "ulimit -v 100000 left every cell probeable here, so this test would check nothing: \(report.cells.map(\.outcome))")
        for cell in skipped {
            #expect(cell.reason?.contains("pthread_create") == true, "\(cell.name): \(cell.reason ?? "")")
        }
        #expect(run.status == 3, "stderr: \(run.stderr)")
    }
}
