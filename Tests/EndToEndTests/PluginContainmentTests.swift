import Foundation
import MatrixModel
import TestSupport
import Testing

/// Plug-ins are contained like cells: whatever a plug-in does as a process (constructors that
/// crash, exit, hang, print or fork; a name that is a bad pointer; output on stdout or without
/// end on stderr; forks in `new_bio`) costs its own cells at most, never the built-in modes'
/// cells or the run, leaves no process behind and ends within a bounded time. Each plug-in is
/// built by the test from `Tests/Fixtures/plugins/`.
@Suite struct PluginContainmentTests {
    /// Set in the environment of one run only: every process of that run (parent, workers and
    /// whatever a plug-in forks) carries it, so what is left afterwards can be found in /proc.
    static let markVariable = "TLSPROBE_CONTAINMENT_MARK"

    /// Processes whose environment carries `markVariable=marker`.
    static func marked(_ marker: String) -> [pid_t] {
        let needle = Data("\(markVariable)=\(marker)".utf8)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
            return data.split(separator: 0).contains { Data($0) == needle } ? pid : nil
        }
    }

    struct Finished {
        let run: ProcessRunner.Run
        let report: Report
        let seconds: Double
        let leftovers: [pid_t]
    }

    /// `matrix` with `fd` and `proxy-core` beside the fixture `name`, marked; what is left of its
    /// processes is looked for once it has ended.
    static func run(_ name: String, extra: [String] = []) throws -> Finished {
        let fixtures = try PluginFixtures.built.get().fixtures
        let marker = UUID().uuidString
        let arguments = ["matrix", "--runtime", "system", "--mode", "fd", "--mode", "proxy-core",
                         "--bio-plugin", try #require(fixtures[name]), "--format", "json"] + extra
        let started = Date()
        let run = try CLI.run(arguments, environment: [markVariable: marker])
        let seconds = Date().timeIntervalSince(started)
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(arguments: arguments, status: run.status, stderr: run.stderr) }
        // The parent kills its workers' groups before it exits: give the kernel a moment to tear them down.
        _ = Polling.waitUntil(1) { marked(marker).isEmpty }
        return Finished(run: run, report: try Report.decode(run.stdout), seconds: seconds, leftovers: marked(marker))
    }

    static func skippable(_ cell: CellResult, _ report: Report) -> Bool {
        cell.outcome == .skipped && cell.family == .ipv6 && !report.environment.ipv6Loopback
    }

    /// The built-in modes' cells are all there and ok: the plug-in cost them nothing.
    static func expectBuiltInsOK(_ outcome: Finished, _ label: String) {
        let report = outcome.report
        #expect(report.runtimeErrors.isEmpty, "\(label): \(report.runtimeErrors)")
        let builtIns = report.cells.filter { $0.mode == .fd || $0.mode == .proxyCore }
        #expect(builtIns.map(\.cell) == MatrixPlan(modes: [.fd, .proxyCore]).cells, "\(label): every fd and proxy-core cell")
        for cell in builtIns where !skippable(cell, report) {
            #expect(cell.outcome == .ok, "\(label) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
        }
        #expect(outcome.leftovers.isEmpty, "\(label): processes left behind: \(outcome.leftovers)")
    }

    static func pluginCells(_ outcome: Finished, _ name: String) -> [CellResult] {
        outcome.report.cells.filter { $0.mode == .plugin(name) }
    }

    /// The plug-in's eight cells all ran and are ok (but for IPv6 on a host without it).
    static func expectPluginCellsOK(_ outcome: Finished, _ name: String) {
        let cells = pluginCells(outcome, name)
        #expect(cells.count == 8, "\(name)")
        for cell in cells where !skippable(cell, outcome.report) {
            #expect(cell.outcome == .ok, "\(name) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
        }
    }

    /// Constructors that crash, exit or hang: every cell of the plug-in gets that outcome once,
    /// with a reason naming it; the hang costs one deadline (and the name's), not one per cell.
    @Test(arguments: [("constructor-crashes", Outcome.crashed), ("constructor-exits", .failed), ("constructor-hangs", .timeout)])
    func aConstructorThatFailsCostsOnlyItsOwnCells(_ name: String, _ expected: Outcome) throws {
        let outcome = try Self.run(name, extra: ["--timeout", "2"])
        #expect(outcome.run.status == 0, "\(name): the built-in modes passed: \(outcome.run.stderr)")
        Self.expectBuiltInsOK(outcome, name)
        let cells = Self.pluginCells(outcome, name)
        #expect(cells.count == 8, "\(name): both TFO settings, both families, both phases")
        for cell in cells {
            #expect(cell.outcome == expected, "\(name) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
            #expect(cell.reason?.contains("plugin:\(name)") == true, "\(name) \(cell.name): \(cell.reason ?? "")")
        }
        switch expected {
        case .crashed: #expect(cells.allSatisfy { $0.signal == "SIGSEGV" && $0.reason?.contains("constructors") == true })
        case .failed: #expect(cells.allSatisfy { $0.reason?.contains("exit status 3") == true })
        default: #expect(cells.allSatisfy { $0.reason?.contains("2.0 s deadline") == true })
        }
        // Its name was asked in a worker of its own, which said what went wrong.
        let spec = try #require(outcome.report.plugins?.first)
        #expect(spec.name == name && spec.note?.contains("named after its file") == true, "\(spec.note ?? "")")
        // Before: 3 workers lost, exit 2, no report; the hang took 70 s. Now: the name's 5 s and one 2 s deadline.
        #expect(outcome.seconds < 25, "\(name): \(outcome.seconds) s")
    }

    /// Output on stdout, from a constructor or from `new_bio`, goes nowhere near the protocol:
    /// the plug-in's cells run and are ok (before: all "crashed: the worker died (exit status 0)").
    @Test(arguments: ["constructor-prints", "prints-in-new-bio"])
    func aPluginPrintingToStdoutRunsNormally(_ name: String) throws {
        let outcome = try Self.run(name)
        #expect(outcome.run.status == 0, "\(name): \(outcome.run.stderr)")
        Self.expectBuiltInsOK(outcome, name)
        Self.expectPluginCellsOK(outcome, name)
        #expect(outcome.report.plugins?.first?.note == nil, "\(name): its name was asked without trouble")
        #expect(outcome.seconds < 25, "\(name): \(outcome.seconds) s")
    }

    /// `tlsprobe_plugin_name()` returning a bad pointer crashes only the worker that asks it:
    /// the plug-in is named after its file, the note says why, and its cells (which never ask) run.
    @Test func aBadNamePointerNamesThePluginAfterItsFile() throws {
        let outcome = try Self.run("bad-name")
        #expect(outcome.run.status == 0, "\(outcome.run.stderr)")
        Self.expectBuiltInsOK(outcome, "bad-name")
        let spec = try #require(outcome.report.plugins?.first)
        #expect(spec.name == "bad-name")
        #expect(spec.note?.contains("tlsprobe_plugin_name() ended the worker (SIGSEGV)") == true, "\(spec.note ?? "")")
        Self.expectPluginCellsOK(outcome, "bad-name")
    }

    /// A plug-in that forks (in every `new_bio`, or in its constructor, which runs in the worker
    /// that asks its name too) leaves no process behind, and the run does not wait for the
    /// sleepers that hold its workers' pipes (before: 11 processes left, 0.7 s became 20.9 s).
    @Test(arguments: ["forks-in-new-bio", "forks-in-constructor"])
    func aForkingPluginLeavesNothingBehind(_ name: String) throws {
        let outcome = try Self.run(name)
        #expect(outcome.run.status == 0, "\(name): \(outcome.run.stderr)")
        Self.expectBuiltInsOK(outcome, name)
        Self.expectPluginCellsOK(outcome, name)
        #expect(outcome.seconds < 10, "\(name): \(outcome.seconds) s; the sleepers live 60 s")
    }

    /// 1 MB chunks to stderr without end: the cell times out naming the plug-in, and the parent
    /// keeps a bounded tail (before: 0.5 GB to 2.1 GB in 5 s). The parent's own peak resident
    /// size (`VmHWM`, read from /proc while it runs) stays small.
    @Test func aPluginFloodingStderrDoesNotGrowTheParent() throws {
        let fixtures = try PluginFixtures.built.get().fixtures
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = ["matrix", "--runtime", "system", "--mode", "fd", "--mode", "proxy-core", "--tfo", "off",
                             "--family", "ipv4", "--phase", "handshake", "--timeout", "3",
                             "--bio-plugin", try #require(fixtures["floods-stderr"]), "--format", "json"]
        let output = try Repository.scratch("flood").appendingPathComponent("report.json")
        defer { try? FileManager.default.removeItem(at: output.deletingLastPathComponent()) }
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var peakKB = 0
        while process.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") {
                peakKB = max(peakKB, kb)
            }
            usleep(20_000)
        }
        let seconds = Date().timeIntervalSince(started)
        #expect(process.terminationStatus == 0)
        #expect(peakKB > 0, "the parent's VmHWM was read")
        #expect(peakKB < 150_000, "the parent's peak RSS: \(peakKB) kB")
        #expect(seconds < 20, "\(seconds) s")
        let report = try Report.decode(try Data(contentsOf: output))
        #expect(report.runtimeErrors.isEmpty)
        for cell in report.cells where cell.mode == .fd || cell.mode == .proxyCore {
            #expect(cell.outcome == .ok, "\(cell.name): \(cell.reason ?? "")")
        }
        let flood = try #require(report.cells.first { $0.mode == .plugin("floods-stderr") })
        #expect(flood.outcome == .timeout && flood.reason?.contains("plugin:floods-stderr") == true, "\(flood.reason ?? "")")
        #expect((flood.reason?.count ?? 0) < 1000, "a bounded reason")
    }

    /// SIGKILL of the parent while a plug-in's constructor hangs in the worker asked for its
    /// name: that worker is bound to its parent like every other, and goes with it.
    @Test func aKilledParentLeavesNoWorkerAskingAName() throws {
        let fixtures = try PluginFixtures.built.get().fixtures
        let marker = UUID().uuidString
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = ["matrix", "--runtime", "system", "--bio-plugin", try #require(fixtures["constructor-hangs"])]
        process.environment = ProcessInfo.processInfo.environment.merging([Self.markVariable: marker]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let asking = Polling.waitUntil(4) {
            Self.marked(marker).contains { pid in
                let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
                return data.split(separator: 0).contains { Data($0) == Data("--describe-plugin".utf8) }
            }
        }
        #expect(asking, "a worker asking the plug-in's name")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(Polling.waitUntil(3) { Self.marked(marker).isEmpty }, "left behind: \(Self.marked(marker))")
    }

    /// What a plug-in forks in a cell dies when that cell ends, not when its worker does: the
    /// fixture's first `new_bio` forks a process that would create a file 1.5 s later, while its
    /// worker still runs cells (0.3 s each) for longer than that.
    @Test func whatAPluginForksDiesWithItsCell() throws {
        let fixtures = try PluginFixtures.built.get().fixtures
        let file = try ProcessScratch.make("late-writer").appendingPathComponent("written").path
        let arguments = ["matrix", "--runtime", "system", "--mode", "fd", "--bio-plugin", try #require(fixtures["forks-a-late-writer"]),
                         "--format", "json"]
        let started = Date()
        let run = try CLI.run(arguments, environment: ["TLSPROBE_LATE_WRITER_FILE": file])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) > 1.5, "the worker outlived the fork's 1.5 s")
        usleep(1_700_000)
        #expect(!FileManager.default.fileExists(atPath: file), "the fork outlived its cell and wrote \(file)")
    }

    /// SIGKILL of the parent while a plug-in's forked sleepers live: the worker's death signal
    /// ends its whole process group, so they go too (a death signal is not inherited across
    /// fork: with SIGKILL as the worker's, they ran on under init for their 60 s).
    @Test func aKilledParentLeavesNothingAPluginForked() throws {
        let fixtures = try PluginFixtures.built.get().fixtures
        let marker = UUID().uuidString
        // posix_spawn and waitpid (BackgroundProcess): Foundation's Process can miss the end
        // of a child that leaves orphans, and would wait for the sleepers instead.
        let process = try BackgroundProcess(Repository.binary,
                                            ["matrix", "--runtime", "system", "--mode", "fd", "--bio-plugin", try #require(fixtures["forks-in-new-bio"])],
                                            environment: ProcessInfo.processInfo.environment.merging([Self.markVariable: marker]) { $1 })
        let parent = process.processIdentifier
        /// A marked process whose parent is marked but is not tlsprobe itself: a plug-in's fork.
        func forked() -> Bool {
            let marked = Set(Self.marked(marker))
            return marked.contains { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      let end = stat.lastIndex(of: ")") else { return false }
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                guard fields.count > 1, let ppid = pid_t(fields[1]) else { return false }
                return ppid != parent && marked.contains(ppid)
            }
        }
        #expect(Polling.waitUntil(10) { forked() }, "a sleeper the plug-in forked")
        kill(parent, SIGKILL)
        process.waitUntilExit()
        #expect(Polling.waitUntil(3) { Self.marked(marker).isEmpty }, "left behind: \(Self.marked(marker))")
    }

    /// A worker has no protocol without the supervisor's pipe on descriptor 3: started by hand,
    /// with 3 closed or not a pipe, it refuses in one line (exit 2) and writes nothing to stdout.
    @Test(arguments: ["exec 3<&-;", "exec 3>/dev/null;"])
    func aWorkerWithoutItsChannelRefuses(_ redirect: String) throws {
        let worker = "\(Repository.binary) worker --runtime-name system --timeout 5 --parent $$ --cell fd/tfo-off/ipv4"
        let run = try ProcessRunner.run("/bin/sh", ["-c", "\(redirect) exec \(worker)"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("descriptor 3 is not a pipe"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
        #expect(run.stdout.isEmpty, "\(run.output)")
        let describe = try ProcessRunner.run("/bin/sh", ["-c", "\(redirect) exec \(Repository.binary) worker --describe-plugin /x.so --parent $$"])
        #expect(describe.status == 2 && describe.stderr.contains("descriptor 3 is not a pipe"), "\(describe.stderr)")
    }
}
