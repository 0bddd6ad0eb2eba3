import Foundation
import TestSupport
import Testing

/// Everything tlsprobe starts dies with it, and everything it writes lies in one private
/// folder that goes with it: a signal at each step (an apt fetch, a `.deb` unpack, a helper
/// that forks on its own) leaves no process and no file, and a SIGKILLed run's folder is
/// removed by the next start.
///
/// Each test gives the run a `TMPDIR` of its own: every process of the run's tree inherits
/// it (the run's private folder lies in it), so `/proc/PID/environ` tells the tree's
/// processes from every other test's, whatever process group or session they moved to.
@Suite(.serialized) struct SignalCleanupTests {
    /// The processes whose environment holds `TMPDIR=base/…` or `TMPDIR=base`.
    static func processes(under base: String) -> [(pid: pid_t, command: String)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry in
            guard let pid = pid_t(entry), pid != getpid(),
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard variables.contains(where: { $0 == "TMPDIR=\(base)" || $0.hasPrefix("TMPDIR=\(base)/") }) else { return nil }
            // A zombie no one reaped yet has no environment left; one that still has one lives.
            let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
                .map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\0", with: " ") } ?? "?"
            return (pid, command)
        }
    }

    /// The regular files anywhere under `base`.
    static func files(under base: String) -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let relative = walk.nextObject() as? String {
            if (walk.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { found.append(relative) }
        }
        return found
    }

    /// Starts `tlsprobe ARGUMENTS` in the background with `TMPDIR=base` (a new folder) and `environment`.
    static func start(_ arguments: [String], base: String, environment: [String: String] = [:],
                      executable: String = Repository.binary) throws -> BackgroundProcess {
        try BackgroundProcess(executable, arguments,
                              environment: ProcessInfo.processInfo.environment.merging(environment.merging(["TMPDIR": base]) { $1 }) { $1 })
    }

    /// Waits up to `seconds` for `process` to end; one that does not is SIGKILLed (and the test
    /// fails), so a defect shows as a failure rather than a test run that never ends.
    static func finish(_ process: BackgroundProcess, within seconds: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) {
        let ended = Polling.waitUntil(seconds) { !process.isRunning }
        #expect(ended, "pid \(process.processIdentifier) did not end within \(seconds) s", sourceLocation: sourceLocation)
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A new, empty folder to serve as a run's `TMPDIR`, and a fresh cache beside it.
    static func folders(_ label: String) throws -> (base: String, cache: String) {
        let scratch = try ProcessScratch.make("signal-\(label)")
        let base = scratch.appendingPathComponent("tmp").path
        let cache = scratch.appendingPathComponent("cache").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        return (base, cache)
    }

    /// Sends `signal` once a process of the run's tree runs `program`, then expects the
    /// parent to end with 128 + N and nothing of the tree to remain, in processes or in `base`.
    static func expectSignalEndsEverything(_ process: BackgroundProcess, base: String, during program: String, signal: Int32,
                                           within seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) {
        // Once the step has written something (apt's signature files, unpacked files): a signal
        // then used to leave it behind.
        let started = Polling.waitUntil(seconds) { processes(under: base).contains { $0.command.contains(program) } && !files(under: base).isEmpty }
        #expect(started, "\(program) never ran or wrote nothing: \(processes(under: base).map(\.command))", sourceLocation: sourceLocation)
        // The private folder exists while the run does (the step writes there).
        let during = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        #expect(during.contains { $0.hasPrefix("tlsprobe-\(process.processIdentifier)-") }, "\(during)", sourceLocation: sourceLocation)
        kill(process.processIdentifier, signal)
        finish(process, sourceLocation: sourceLocation)
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal,
                "status \(process.terminationStatus) (\(process.terminationReason == .exit ? "exit" : "signal"))",
                sourceLocation: sourceLocation)
        #expect(Polling.waitUntil(3) { processes(under: base).isEmpty }, "left running: \(processes(under: base).map(\.command))",
                sourceLocation: sourceLocation)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? ["?"]
        #expect(left.isEmpty, "left in TMPDIR: \(left)", sourceLocation: sourceLocation)
    }

    /// A signal while apt fetches a runtime: apt-get and its methods (which apt moves to
    /// the _apt user) end, and its downloads in TMPDIR go; they used to run on for good.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGQUIT])
    func aSignalDuringAFetchEndsAptAndLeavesNothing(_ signal: Int32) throws {
        let (base, cache) = try Self.folders("fetch")
        let process = try Self.start(["runtime", "fetch", "bookworm"], base: base,
                                     environment: ["XDG_CACHE_HOME": cache, "TLSPROBE_MAX_INDEX_AGE": "180"])
        Self.expectSignalEndsEverything(process, base: base, during: "apt-get", signal: signal)
        // Nor does the runtime's half-made folder stay in the cache until the next fetch.
        let partials = try FileManager.default.subpathsOfDirectory(atPath: cache).filter { $0.contains(".partial-") }
        #expect(partials.isEmpty, "left in the cache: \(partials)")
    }

    /// A `.deb` large enough that unpacking it takes a while, made once with dpkg-deb.
    static let bigPackage: Result<String, any Error> = Result {
        let folder = try ProcessScratch.make("signal-deb")
        let root = folder.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("DEBIAN"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("usr/share/big"), withIntermediateDirectories: true)
        try "Package: big\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: big\n"
            .write(to: root.appendingPathComponent("DEBIAN/control"), atomically: true, encoding: .utf8)
        // Random bytes do not compress: unpacking writes all of them, which takes time.
        for index in 0..<6 {
            let made = try ProcessRunner.run("/usr/bin/head", ["-c", "40000000", "/dev/urandom"])
            try made.stdout.write(to: root.appendingPathComponent("usr/share/big/part\(index)"))
        }
        let deb = folder.appendingPathComponent("big.deb").path
        let built = try ProcessRunner.run("/usr/bin/dpkg-deb", ["-Zgzip", "-z1", "--root-owner-group", "--build", root.path, deb])
        guard built.status == 0 else { throw CLIFailed(arguments: ["dpkg-deb --build"], status: built.status, stderr: built.stderr) }
        return deb
    }

    /// A signal while dpkg-deb unpacks a package for an audit: dpkg-deb and its children
    /// end and the unpacked files go; they used to fill TMPDIR on their own afterwards.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGQUIT])
    func aSignalDuringAnUnpackEndsDpkgDebAndLeavesNothing(_ signal: Int32) throws {
        let deb = try Self.bigPackage.get()
        let (base, _) = try Self.folders("unpack")
        let process = try Self.start(["audit", "--unpack", deb], base: base)
        Self.expectSignalEndsEverything(process, base: base, during: "dpkg-deb", signal: signal)
    }

    /// A signal during a worker build (`--runtime experimental`, whose libssl.so.4 this binary
    /// cannot load): the build script, what it started in sessions of their own, and its
    /// temporary files go, and nothing is installed into the cache after tlsprobe ended. The
    /// binary runs from a copy beside a stand-in checkout whose `scripts/build-runtime-worker`
    /// forks long-lived children as swift-build does (its compilers lead groups of their own)
    /// and installs a worker a few seconds later, so no real build is spent.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalDuringAWorkerBuildEndsItAndInstallsNothing(_ signal: Int32) throws {
        let (base, cache) = try Self.folders("build")
        let checkout = try ProcessScratch.make("signal-checkout")
        let binary = checkout.appendingPathComponent(".build/debug/tlsprobe").path
        try FileManager.default.createDirectory(atPath: checkout.appendingPathComponent(".build/debug").path, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: checkout.appendingPathComponent("scripts").path, withIntermediateDirectories: true)
        try ExecutableCopy.make(from: Repository.binary, to: binary)
        try Data().write(to: checkout.appendingPathComponent("Package.swift"))
        let script = checkout.appendingPathComponent("scripts/build-runtime-worker").path
        try """
            #!/bin/bash
            # A stand-in build: compilers in sessions of their own, temporary files, an install later.
            mkdir -p "$TMPDIR/build-scratch" && head -c 100000 /dev/zero > "$TMPDIR/build-scratch/object.o"
            setsid sleep 1011 &
            (sleep 1012 &)
            sleep 1013 &
            sleep 4
            mkdir -p "$(dirname "$3")" && cp /bin/true "$3"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let environment = ["XDG_CACHE_HOME": cache, "TLSPROBE_MAX_INDEX_AGE": "180"]
        let fetched = try ProcessRunner.run(binary, ["runtime", "fetch", "experimental"], environment: environment)
        try #require(fetched.status == 0, "cannot fetch experimental: \(fetched.stderr)")
        let process = try Self.start(["matrix", "--runtime", "experimental", "--mode", "fd"], base: base, environment: environment,
                                     executable: binary)
        #expect(Polling.waitUntil(30) { Self.processes(under: base).filter { $0.command.hasPrefix("sleep 101") }.count == 3 },
                "the build never ran: \(Self.processes(under: base).map(\.command))")
        kill(process.processIdentifier, signal)
        Self.finish(process)
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal, "status \(process.terminationStatus)")
        #expect(Polling.waitUntil(3) { Self.processes(under: base).isEmpty }, "left running: \(Self.processes(under: base).map(\.command))")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? ["?"]
        #expect(left.isEmpty, "left in TMPDIR: \(left)")
        // Past the moment the script would have installed its worker.
        sleep(5)
        let installed = FileManager.default.enumerator(atPath: cache)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix("libssl.so.4/tlsprobe") } ?? []
        #expect(installed.isEmpty, "installed after tlsprobe ended: \(installed)")
    }

    /// SIGKILL leaves the parent no say: apt still ends (its guard's parent-death signal),
    /// and the run's private folder, left behind, is removed by the next start.
    @Test func aKilledFetchLeavesNoProcessAndItsFolderGoesAtTheNextStart() throws {
        let (base, cache) = try Self.folders("kill")
        let process = try Self.start(["runtime", "fetch", "bookworm"], base: base,
                                     environment: ["XDG_CACHE_HOME": cache, "TLSPROBE_MAX_INDEX_AGE": "180"])
        #expect(Polling.waitUntil(60) { Self.processes(under: base).contains { $0.command.contains("apt-get") } },
                "apt-get never ran")
        kill(process.processIdentifier, SIGKILL)
        Self.finish(process)
        #expect(Polling.waitUntil(3) { Self.processes(under: base).isEmpty }, "left running: \(Self.processes(under: base).map(\.command))")
        let leftover = try FileManager.default.contentsOfDirectory(atPath: base)
        #expect(leftover.contains { $0.hasPrefix("tlsprobe-\(process.processIdentifier)-") },
                "a SIGKILLed run can remove nothing, so its folder should be there: \(leftover)")
        // Any command that writes temporary files clears what dead runs left.
        let next = try CLI.run(["audit", "/nonexistent-\(UUID().uuidString)"], environment: ["TMPDIR": base])
        #expect(next.status != 0)
        let after = try FileManager.default.contentsOfDirectory(atPath: base)
        #expect(after.isEmpty, "left in TMPDIR after the next start: \(after)")
    }

    /// A leftover of a run that is still alive, or of another user, or that is no folder, stays.
    @Test func onlyDeadRunsFoldersAreRemoved() throws {
        let (base, _) = try Self.folders("live")
        let live = "\(base)/tlsprobe-\(getpid())-abcdef"
        let dead = "\(base)/tlsprobe-999999999-abcdef"
        let other = "\(base)/tlsprobe-999999998-ghijkl"
        let file = "\(base)/tlsprobe-999999997-mnopqr"
        for folder in [live, dead, other] { try FileManager.default.createDirectory(atPath: folder + "/inner", withIntermediateDirectories: true) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        // A read-only folder inside (as a package may have) does not stop the removal.
        chmod(dead + "/inner", 0o500)
        let otherOwned = chown(other, 12345, 12345) == 0
        let next = try CLI.run(["audit", "/nonexistent-\(UUID().uuidString)"], environment: ["TMPDIR": base])
        #expect(next.status != 0)
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: base))
        #expect(!after.contains("tlsprobe-999999999-abcdef"), "\(after)")
        #expect(after.contains("tlsprobe-\(getpid())-abcdef"), "a live run's folder was removed: \(after)")
        #expect(after.contains("tlsprobe-999999997-mnopqr"), "a file was removed: \(after)")
        if otherOwned { #expect(after.contains("tlsprobe-999999998-ghijkl"), "another user's folder was removed: \(after)") }
    }

    /// A helper that forks a grandchild into a session of its own and another that
    /// outlives its parent, both long-lived: the guard kills and reaps every one of them
    /// when tlsprobe ends it, though none is in the helper's process group.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGKILL])
    func theGuardEndsEveryDescendantOfAHelper(_ signal: Int32) throws {
        let (base, _) = try Self.folders("guard")
        let script = "sleep 1001 & setsid sleep 1002 & (sleep 1003 &) ; exec sleep 1004"
        // The guard's parent: a shell that starts it and waits, as tlsprobe does.
        let process = try Self.start(["-c", "\"$0\" guard $$ -- /bin/sh -c \"$1\"; exit $?", Repository.binary, script], base: base,
                                     executable: "/bin/sh")
        #expect(Polling.waitUntil(10) { Self.processes(under: base).filter { $0.command.hasPrefix("sleep 100") }.count == 4 },
                "\(Self.processes(under: base).map(\.command))")
        let guardProcess = Self.processes(under: base).first { $0.command.hasPrefix(Repository.binary + " guard ") }
        #expect(guardProcess != nil)
        if signal == SIGKILL {
            // The guard's parent dies: the guard's parent-death signal ends the tree.
            kill(process.processIdentifier, SIGKILL)
        } else if let guardProcess {
            kill(guardProcess.pid, signal)
        }
        Self.finish(process)
        #expect(Polling.waitUntil(3) { Self.processes(under: base).isEmpty }, "left running: \(Self.processes(under: base).map(\.command))")
    }

    /// The guard passes the helper's own ending on: its exit status, or the signal it died of.
    @Test func theGuardPassesTheHelpersEndingOn() throws {
        let exited = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" guard $$ -- /bin/sh -c 'exit 7'; exit $?", Repository.binary])
        #expect(exited.status == 7, "\(exited.stderr)")
        let killed = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" guard $$ -- /bin/sh -c 'kill -SEGV $$'; echo $?", Repository.binary])
        #expect(killed.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(128 + SIGSEGV)", "\(killed.output) \(killed.stderr)")
        let malformed = try CLI.run(["guard", "1"])
        #expect(malformed.status == 2 && malformed.stderr.split(separator: "\n").count == 1, "\(malformed.stderr)")
    }
}
