import Foundation
import Matrix
import MatrixModel
import TestSupport
import Testing

/// The flags every reporting subcommand shares (`ReportOutputOptions`): `--format`,
/// `--output` (repeated, `FORMAT:PATH`, `-` for stdout), `--quiet`, `--color`, `--wide`;
/// and `--version`'s build id.
@Suite struct ReportFlagsTests {
    /// One quick cell of each mode asked for; gate adds proxy-core, its default requirement.
    static let quick = ["--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--phase", "handshake"]

    @Test(arguments: ["matrix", "gate", "audit", "merge"])
    func everyReportingCommandTakesTheSameFlags(_ command: String) throws {
        let help = try CLI.run([command, "--help"])
        #expect(help.status == 0, "\(help.transcript)")
        for flag in ["--format <format>", "--output <[format:]file>", "--quiet", "--color <color>", "--wide"] {
            #expect(help.output.contains(flag), "\(command) --help lacks \(flag)")
        }
    }

    /// As matrix, audit and merge do: `--format` without `--output` (or `--output -`) is the report
    /// on stdout; the condition lines then go to stderr, so stdout stays a well-formed document.
    @Test(arguments: [["--format", "junit"], ["--output", "-", "--format", "junit"], ["--output", "junit:-"]])
    func gateWritesItsReportToStdout(_ flags: [String]) throws {
        let run = try CLI.run(["gate"] + Self.quick + flags)
        #expect(run.status == 0, "\(run.transcript)")
        #expect(run.output.hasPrefix("<?xml"), "\(run.output)")
        #expect(run.output.contains("<testsuite name=\"gate\""))
        #expect(!run.output.contains("PASS require"))
        #expect(run.stderr.hasPrefix("PASS require proxy-core: "), "\(run.stderr)")
    }

    @Test func gateQuietKeepsOnlyWhatDidNotHoldAndTheVerdict() throws {
        let run = try CLI.run(["gate"] + Self.quick + ["--quiet"])
        #expect(run.status == 0, "\(run.transcript)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 && lines[0].hasPrefix("verdict: "), "\(lines)")
    }

    @Test func gateColoursItsLabelsOnlyWhenAsked() throws {
        let always = try CLI.run(["gate"] + Self.quick + ["--color", "always"])
        #expect(always.status == 0, "\(always.transcript)")
        #expect(always.output.hasPrefix("\u{1B}[1;32mPASS\u{1B}[0m require proxy-core: "), "\(always.output)")
        let never = try CLI.run(["gate"] + Self.quick + ["--color", "never"])
        #expect(never.output.hasPrefix("PASS require proxy-core: "))
        #expect(!never.output.contains("\u{1B}"))
    }

    /// JUnit for the dashboard and JSON for the record from one gate run; a plain path takes --format.
    @Test func gateWritesSeveralReportsInOneRun() throws {
        let folder = try Repository.scratch("flags")
        defer { try? FileManager.default.removeItem(at: folder) }
        let junit = folder.appendingPathComponent("gate.xml").path
        let json = folder.appendingPathComponent("gate.json").path
        let markdown = folder.appendingPathComponent("gate.md").path
        let run = try CLI.run(["gate"] + Self.quick + ["--format", "markdown",
                                                      "--output", "junit:\(junit)", "--output", "json:\(json)", "--output", markdown])
        #expect(run.status == 0, "\(run.transcript)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("PASS require proxy-core: ") == true, "\(lines)")
        #expect(Array(lines.suffix(3)) == ["report: \(junit) (junit)", "report: \(json) (json)", "report: \(markdown) (markdown)"])
        #expect(try String(contentsOfFile: junit, encoding: .utf8).hasPrefix("<?xml"))
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(report.gate?.exitCode == 0)
        #expect(try String(contentsOfFile: markdown, encoding: .utf8).hasPrefix("#"))
    }

    /// matrix too: two files and the third report on stdout instead of the text rendering.
    @Test func matrixWritesSeveralReportsAndOneOnStdout() throws {
        let folder = try Repository.scratch("flags")
        defer { try? FileManager.default.removeItem(at: folder) }
        let junit = folder.appendingPathComponent("matrix.xml").path
        let markdown = folder.appendingPathComponent("matrix.md").path
        let run = try CLI.run(["matrix"] + Self.quick + ["--output", "junit:\(junit)", "--output", "markdown:\(markdown)",
                                                        "--output", "json:-"])
        #expect(run.status == 0, "\(run.transcript)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.allSatisfy { $0.mode == .fd })
        #expect(try String(contentsOfFile: junit, encoding: .utf8).hasPrefix("<?xml"))
        #expect(try String(contentsOfFile: markdown, encoding: .utf8).hasPrefix("#"))
    }

    /// The colon rule: a bare word before the first colon is a format; with a `/` or `.` before it,
    /// the colon is part of the path, which takes --format.
    @Test func aColonAfterASlashIsPartOfThePath() throws {
        let folder = try Repository.scratch("flags")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("json:a").path
        let run = try CLI.run(["matrix"] + Self.quick + ["--format", "json", "--output", path])
        #expect(run.status == 0, "\(run.transcript)")
        _ = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["json:a"])
    }

    @Test(arguments: [
        (["--output", "xml:gate.xml"], "--output xml:gate.xml: unknown format 'xml'; expected FORMAT:PATH with FORMAT one of text, json, markdown, junit, sarif (for a file whose name holds a colon, write ./xml:gate.xml)"),
        (["--output", "-", "--output", "json:-"], "--output: two reports on stdout (text and json); write one of them to a file"),
        (["--output", "junit:/tmp/tlsprobe-same.xml", "--output", "/tmp/tlsprobe-same.xml"], "--output /tmp/tlsprobe-same.xml is given twice; each report needs its own file"),
    ])
    func badOutputsAreRefusedBeforeAnyProbe(_ flags: [String], _ message: String) throws {
        for command in ["gate", "matrix"] {
            let run = try CLI.run([command] + Self.quick + flags)
            #expect(run.status == 2, "\(run.transcript)")
            #expect(run.stdout.isEmpty)
            #expect(run.stderr == "tlsprobe: \(message)\n", "\(run.stderr)")
        }
    }

    /// The build id a report can be traced by: the linker's, as `readelf -n` shows it.
    @Test func versionNamesTheBuildID() throws {
        let buildID = try #require(BuildIdentity(executable: Repository.binary).buildID, "the binary has an NT_GNU_BUILD_ID note")
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        let first = try #require(version.output.split(separator: "\n").first.map(String.init))
        #expect(first.contains(" (build \(buildID); commit "), "\(first)")
    }
}
