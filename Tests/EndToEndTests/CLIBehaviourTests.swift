import Foundation
import Matrix
import MatrixModel
import TestSupport
import Testing

/// What a user meets at the edges of the command line (issue 21, consistent flags): a mistyped
/// runtime or subcommand is answered with the valid names, a closed pipe ends the run as it ends
/// other filters, `gate` never prints PASS for a run that ends 3, and `--mode` takes a comma list.
@Suite struct CLIBehaviourTests {
    /// One usage line on stderr, nothing on stdout, exit 2; the line, for further checks.
    func usageLine(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, "\(arguments): \(run.output)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        return String(lines.first ?? "")
    }

    // MARK: Unknown runtime names

    /// `--runtime trixy` and `--runtime 3.2` are mistyped lines, not folders: the answer names
    /// every line by suite and series, and suggests a suite only when one is a typo away.
    @Test(arguments: [("trixy", "trixie" as String?), ("3.2", nil), ("bookwrom", "bookworm"), ("sytem", "system")])
    func unknownRuntimeNameListsTheLines(_ name: String, _ suggestion: String?) throws {
        for command in ["matrix", "gate"] {
            let line = try usageLine([command, "--runtime", name, "--mode", "fd"])
            #expect(line.hasPrefix("tlsprobe: --runtime: '\(name)' is neither an OpenSSL line nor a folder"), "\(line)")
            #expect(!line.contains("no such folder"), "\(line)")
            for known in ["system", "all"] + OpenSSLLine.names {
                #expect(line.contains(known), "\(line) does not name \(known)")
            }
            #expect(line.contains("./\(name)"), "\(line) does not say how to name a folder")
            if let suggestion {
                #expect(line.contains("did you mean '\(suggestion)'?"), "\(line)")
            } else {
                #expect(!line.contains("did you mean"), "\(line)")
            }
        }
    }

    /// A path stays a folder (and a missing one says so), and so does a bare name that exists on disk.
    @Test func runtimePathsStayFolders() throws {
        let missing = try usageLine(["matrix", "--runtime", "./trixy", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--phase", "handshake"])
        #expect(missing.contains("no such folder"), "\(missing)")
        #expect(!missing.contains("neither an OpenSSL line"), "\(missing)")

        let scratch = try Repository.scratch("runtime-name")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("trixy"), withIntermediateDirectories: false)
        let run = try Self.run(["matrix", "--runtime", "trixy", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--phase", "handshake"],
                               in: scratch)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("runtime trixy:"), "an empty folder named trixy is a folder: \(run.stderr)")
        #expect(!run.stderr.contains("neither an OpenSSL line"), "\(run.stderr)")
    }

    // MARK: Subcommand typos

    @Test(arguments: [
        (["matrx"], "tlsprobe: unknown command 'matrx'; did you mean 'matrix'?"),
        (["gaet", "--require", "fd"], "tlsprobe: unknown command 'gaet'; did you mean 'gate'?"),
        (["audti", "/bin/true"], "tlsprobe: unknown command 'audti'; did you mean 'audit'?"),
        (["runtime", "fech", "trixie"], "tlsprobe: unknown command 'fech'; did you mean 'fetch'?"),
        (["rnu", "--", "/bin/true"], "tlsprobe: unknown command 'rnu'; did you mean 'run'?"),
        // Too far from any name for a guess: the visible commands, not the hidden worker.
        (["probe"], "tlsprobe: unknown command 'probe'; expected one of matrix, gate, audit, run, merge, env, runtime"),
    ])
    func subcommandTypoGetsASuggestion(_ arguments: [String], _ expected: String) throws {
        #expect(try usageLine(arguments) == expected)
    }

    /// A known command whose options are wrong keeps ArgumentParser's own message.
    @Test func aKnownCommandIsNeverCalledUnknown() throws {
        let line = try usageLine(["matrix", "--bogus-flag"])
        #expect(!line.contains("unknown command"), "\(line)")
        #expect(line.contains("--bogus-flag"), "\(line)")
    }

    // MARK: A closed pipe

    /// `tlsprobe … | head -1` once the reader is gone: no message, exit 141 (128 + SIGPIPE, as a
    /// GNU filter's shell status), whatever the command, with stdout's read end closed before the
    /// run starts so every write meets EPIPE.
    @Test(arguments: [
        ["env"],
        ["--version"],
        ["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--phase", "handshake"],
        ["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--phase", "handshake", "--format", "json"],
        ["gate", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--phase", "handshake"],
    ])
    func aClosedPipeEndsTheRunQuietly(_ arguments: [String]) throws {
        let run = try Self.run(arguments, stdoutClosed: true)
        #expect(run.stderr.isEmpty, "\(arguments): \(run.stderr)")
        #expect(run.status == 141, "\(arguments): status \(run.status)")
    }

    // MARK: gate --allow-skipped

    /// With nothing probed the run ends 3 whatever `--allow-skipped` lets pass, so no line says PASS.
    @Test func gateNeverPrintsPassForARunThatProbedNothing() throws {
        try #require(NetworkNamespace.unavailableReason() == nil, "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI has them)")
        let run = try CLI.run(["gate", "--runtime", "system", "--family", "ipv4", "--allow-skipped"], through: ["/usr/bin/unshare", "--net"])
        #expect(run.status == NothingProbed.status, "\(run.transcript)")
        #expect(run.stderr.hasPrefix(NothingProbed.prefix), "\(run.stderr)")
        let lines = run.output.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("PASS") }, "\(run.output)")
        #expect(lines.contains { $0.hasPrefix("UNDECIDED require proxy-core:") }, "\(run.output)")
    }

    /// The Markdown and the JUnit of such a run say the same: no "passed" headline, no ✓ row,
    /// and a JUnit that is not green (an error per condition that held), as the exit status.
    @Test func gateReportsOfARunThatProbedNothingAreUndecided() throws {
        try #require(NetworkNamespace.unavailableReason() == nil, "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI has them)")
        let scratch = try Repository.scratch("gate-undecided")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let gate = ["gate", "--runtime", "system", "--family", "ipv4", "--allow-skipped"]
        let md = scratch.appendingPathComponent("gate.md")
        let markdownRun = try CLI.run(gate + ["--format", "markdown", "--output", md.path], through: ["/usr/bin/unshare", "--net"])
        #expect(markdownRun.status == NothingProbed.status, "\(markdownRun.transcript)")
        let markdown = try String(contentsOf: md, encoding: .utf8)
        #expect(markdown.contains("### Gate: UNDECIDED (exit \(NothingProbed.status))"), "\(markdown)")
        #expect(!markdown.contains("✓ pass") && markdown.contains("? undecided"), "\(markdown)")
        let xml = scratch.appendingPathComponent("gate.xml")
        let junit = try CLI.run(gate + ["--format", "junit", "--output", xml.path], through: ["/usr/bin/unshare", "--net"])
        #expect(junit.status == NothingProbed.status, "\(junit.transcript)")
        let text = try String(contentsOf: xml, encoding: .utf8)
        #expect(text.contains("<error message=\"undecided: the run exited \(NothingProbed.status)"), "\(text)")
        let gateSuite = text.split(separator: "\n").first { $0.contains("<testsuite name=\"gate\"") }.map(String.init) ?? ""
        #expect(!gateSuite.isEmpty && !gateSuite.contains("errors=\"0\""), "the gate suite is not green: \(gateSuite)")
    }

    /// A run that probed cells keeps PASS for the conditions that held.
    @Test func gateStillPassesWhatHeld() throws {
        let run = try CLI.run(["gate", "--runtime", "system", "--require", "fd,proxy-core", "--family", "ipv4", "--tfo", "off", "--phase", "handshake"])
        #expect(run.status == 0, "\(run.transcript)")
        #expect(run.output.hasPrefix("PASS require"), "\(run.output)")
        #expect(!run.output.contains("UNDECIDED"), "\(run.output)")
    }

    // MARK: Comma lists

    @Test func modeTakesACommaList() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd,proxy-core", "--mode", "legacy-fastopen",
                               "--family", "ipv4", "--tfo", "off", "--phase", "handshake", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.map(\.mode.rawValue).sorted() == ["fd", "legacy-fastopen", "proxy-core"])
    }

    @Test(arguments: [["matrix", "--mode", "fd,bogus"], ["matrix", "--mode", "fd,"], ["gate", "--mode", "fd,,proxy-core"]])
    func aBadItemInAModeListIsAUsageError(_ arguments: [String]) throws {
        let line = try usageLine(arguments)
        #expect(line.hasPrefix("tlsprobe: --mode: '"), "\(line)")
        #expect(line.contains(BIOMode.allCases.map(\.rawValue).joined(separator: ", ")), "\(line)")
    }

    // MARK: README

    /// The README states how many modes `--mode` defaults to, and names each, as `BIOMode` has them.
    @Test func readmeCountsTheModes() throws {
        let readme = try String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)
        let paragraph = try #require(readme.components(separatedBy: "\n\n").first { $0.hasPrefix("`--mode`") }, "no paragraph on --mode")
        let words = [7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen"]
        let count = BIOMode.allCases.count
        #expect(paragraph.contains("(default: all \(words[count] ?? String(count))"), "\(paragraph)")
        for mode in BIOMode.allCases {
            #expect(paragraph.contains("`\(mode.rawValue)`"), "README's --mode paragraph does not name \(mode.rawValue)")
        }
    }

    // MARK: Running the binary with a working folder or a closed stdout

    /// `tlsprobe ARGUMENTS` in `folder`; with `stdoutClosed`, its stdout is a pipe whose read end
    /// was closed before the run began, as `| head -1` leaves it once head has exited.
    static func run(_ arguments: [String], in folder: URL? = nil, stdoutClosed: Bool = false) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if stdoutClosed { try out.fileHandleForReading.close() }
        try process.run()
        try? out.fileHandleForWriting.close()
        // stdout is drained on its own thread, so a child that fills one pipe never blocks on it.
        let drained = DispatchSemaphore(value: 0)
        if !stdoutClosed {
            DispatchQueue.global().async {
                _ = out.fileHandleForReading.readDataToEndOfFile()
                drained.signal()
            }
        } else {
            drained.signal()
        }
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }
}
