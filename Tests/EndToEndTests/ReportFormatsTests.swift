import Foundation
import ProbeKit
import ProxyCore
import Testing
import TestSupport

/// Files and tools the report-format tests check real output with.
enum Formats {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let reportSchema = root.appendingPathComponent("docs/report-schema.json").path
    static let junitSchema = root.appendingPathComponent("docs/junit.xsd").path

    /// A fresh folder of its own for each test's files.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Run {
        let status: Int32
        let output: String
    }

    /// Runs a program, stdout and stderr together (they are only shown on failure).
    static func run(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }

    /// Exit 0: valid; 1: invalid (the errors are printed); 3: no jsonschema module.
    static let validator = """
        import json, sys
        try:
            import jsonschema
        except ImportError:
            print("python3 has no jsonschema module: scripts/test installs it"); sys.exit(3)
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.absolute_path))
        for error in errors[:10]:
            print(error.json_path, error.message[:300])
        sys.exit(1 if errors else 0)
        """

    /// Validates a JSON file against docs/report-schema.json with Python's jsonschema (draft 2020-12).
    static func validateJSON(_ path: String) throws -> Run {
        try run("/usr/bin/env", ["python3", "-c", validator, reportSchema, path])
    }

    static func xmllint(_ arguments: [String]) throws -> Run {
        try run("/usr/bin/xmllint", arguments)
    }

    static func hostname(_ report: Report) -> String { report.environment.hostname }
}

@Suite struct ReportFormatsTests {
    @Test func jsonOutputValidatesAgainstTheSchema() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.json").path
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--format", "json", "--output", path])
        #expect(run.status == 0, "\(run.stderr)")
        let validation = try Formats.validateJSON(path)
        #expect(validation.status == 0, "\(validation.output)")
    }

    /// Ways to break a real report that the schema must notice.
    enum Breakage: String, CaseIterable, Sendable {
        case unknownMode, undocumentedCellField, cellWithoutOutcome, otherSchemaVersion, failureWithoutReason

        func apply(to object: inout [String: Any]) {
            var cells = object["cells"] as? [[String: Any]] ?? []
            switch self {
            case .unknownMode: cells[0]["mode"] = "proxy-kore"
            case .undocumentedCellField: cells[0]["host"] = "elsewhere"
            case .cellWithoutOutcome: cells[0].removeValue(forKey: "outcome")
            case .otherSchemaVersion: object["schemaVersion"] = Report.currentSchemaVersion + 1
            case .failureWithoutReason:
                cells[0]["outcome"] = "failed"
                cells[0].removeValue(forKey: "reason")
            }
            object["cells"] = cells
        }
    }

    /// The schema is only worth something if it refuses what is not a report.
    @Test(arguments: Breakage.allCases)
    func theSchemaRefusesABrokenReport(_ breakage: Breakage) throws {
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["matrix", "--mode", "fd", "--family", "ipv4", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        var object = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let path = folder.appendingPathComponent("broken.json")
        try run.stdout.write(to: path)
        let intact = try Formats.validateJSON(path.path)
        #expect(intact.status == 0, "the unbroken report: \(intact.output)")
        breakage.apply(to: &object)
        try JSONSerialization.data(withJSONObject: object).write(to: path)
        let broken = try Formats.validateJSON(path.path)
        #expect(broken.status == 1, "\(breakage) passed the schema: \(broken.output)")
    }

    @Test func junitOutputValidatesAndCarriesTheEvidence() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("junit.xml").path
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--format", "junit", "--output", path])
        #expect(run.status == 0, "\(run.stderr)")
        // With --output, the terminal still gets the text table.
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(text.contains("MODE") && text.contains("cells:"), "\(text)")
        #expect(!text.contains("<?xml"))

        let lint = try Formats.xmllint(["--noout", "--schema", Formats.junitSchema, path])
        #expect(lint.status == 0, "\(lint.output)")
        let cases = try Formats.xmllint(["--xpath", "count(//testcase)", path])
        #expect(cases.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(2 * MatrixPlan().cells.count)")
        // Wherever the suite's own properties say the socket BIO owns its data pointer,
        // the legacy TFO-off cells must be failures whose message shows address length 0.
        let owning = "//testsuite[properties/property[@name='socketBIOOwnsData' and @value='true']]"
        let suites = try Formats.xmllint(["--xpath", "count(\(owning))", path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(suites == "1", "trixie's OpenSSL 3.5 owns its data pointer")
        let evidence = try Formats.xmllint(["--xpath", "string(\(owning)/testcase[@name='legacy-fastopen/tfo-off/ipv4']/failure/@message)", path])
        #expect(evidence.output.contains("first write: sendto MSG_FASTOPEN addrlen 0/16"), "\(evidence.output)")
    }

    @Test func markdownIsTablesThatRender() throws {
        let trixie = try Runtimes.fetch("trixie")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--format", "markdown"])
        #expect(run.status == 0, "\(run.stderr)")
        let markdown = String(decoding: run.stdout, as: UTF8.self)
        let tables = MarkdownTables.tables(in: markdown)
        #expect(tables.count == 4, "hosts, runtimes, and a matrix per runtime")
        #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
        let matrices = tables.filter { $0[0].contains("| outcome |") }
        #expect(matrices.map { $0.count - 2 } == [MatrixPlan().cells.count, MatrixPlan().cells.count])
        for table in matrices {
            let marks = table.dropFirst(2).map { $0.hasPrefix("| ✗ |") }
            #expect(marks == marks.sorted { $0 && !$1 }, "failing rows come first")
        }
        #expect(markdown.contains("### Diagnosis"))
        #expect(markdown.contains("<details>"))
        #expect(markdown.contains("matrix --runtime system --runtime \(trixie) --format markdown\n```"))
    }

    @Test func outputIsWrittenWholeAndReplacesTheOldFile() throws {
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.json")
        try Data("stale, not JSON".utf8).write(to: path)
        let run = try CLI.run(["matrix", "--mode", "proxy-core", "--format", "json", "--output", path.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(try Data(contentsOf: path))
        #expect(report.cells.count == MatrixPlan(modes: [.proxyCore]).cells.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.json"], "no temporary file left")
        #expect(String(decoding: run.stdout, as: UTF8.self).contains("cells:"), "the terminal gets the text rendering")
    }

    @Test(arguments: [["matrix"], ["gate"], ["merge", "report.json"]])
    func anUnwritableOutputIsAUsageError(_ command: [String]) throws {
        let run = try CLI.run(command + ["--output", "/nonexistent-folder/report.json"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("/nonexistent-folder"), "\(run.stderr)")
    }
}

@Suite struct GateCommandTests {
    /// The OpenSSL the binary itself loads, as it reports it.
    func systemOpenSSL() throws -> OpenSSLRuntime {
        let run = try CLI.run(["env", "--format", "json"])
        #expect(run.status == 0)
        return try JSONDecoder().decode(EnvironmentFacts.self, from: run.stdout).openSSL
    }

    @Test func theFixPassesTheDefaultGate() throws {
        let run = try CLI.run(["gate", "--require", "proxy-core"])
        #expect(run.status == 0, "\(String(decoding: run.stdout, as: UTF8.self)) \(run.stderr)")
        #expect(String(decoding: run.stdout, as: UTF8.self).hasPrefix("PASS require proxy-core: "))
    }

    @Test func requiringTheLegacyDesignFailsWhereTheSocketBIOOwnsItsData() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gate.json").path
        let run = try CLI.run(["gate", "--require", "legacy-fastopen", "--runtime", trixie, "--format", "json", "--output", path])
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(report.runtimes.first?.openSSL?.socketBIOOwnsData == true, "the precondition: OpenSSL 3.5's socket BIO")
        #expect(run.status == 1, "\(run.stderr)")
        let lines = String(decoding: run.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("FAIL require legacy-fastopen: ") == true, "\(lines)")
        #expect(lines.first?.contains("legacy-fastopen/tfo-off/ipv4 failed") == true)
        #expect(lines.last == "report: \(path) (json)")
    }

    @Test func requiringTheLegacyDesignOnTheSystemRuntime() throws {
        // The other way: where the socket BIO leaves its data pointer alone and the
        // kernel lets a client send data in the SYN, every legacy cell works.
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gate.json").path
        let run = try CLI.run(["gate", "--require", "legacy-fastopen", "--format", "json", "--output", path])
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        let owns = try #require(report.runtimes.first?.openSSL).socketBIOOwnsData
        let clientTFO = (report.environment.tcpFastopen ?? 0) & 1 != 0
        #expect(run.status == (!owns && clientTFO ? 0 : 1), "\(String(decoding: run.stdout, as: UTF8.self))")
    }

    @Test func opensslRangeBothWays() throws {
        let openSSL = try systemOpenSSL()
        let atLeast32 = openSSL.runtimeMajor > 3 || (openSSL.runtimeMajor == 3 && openSSL.runtimeMinor >= 2)
        let from32 = try CLI.run(["gate", "--openssl-range", ">=3.2"])
        #expect(from32.status == (atLeast32 ? 0 : 1), "\(String(decoding: from32.stdout, as: UTF8.self))")
        #expect(String(decoding: from32.stdout, as: UTF8.self)
                    .contains("\(atLeast32 ? "PASS" : "FAIL") openssl-range '>=3.2': system has OpenSSL \(openSSL.runtimeVersion)"))
        let before32 = try CLI.run(["gate", "--openssl-range", ">=3.0, <3.2"])
        let in30or31 = openSSL.runtimeMajor == 3 && openSSL.runtimeMinor < 2
        #expect(before32.status == (in30or31 ? 0 : 1), "\(String(decoding: before32.stdout, as: UTF8.self))")
    }

    @Test(arguments: ["~3", ">=3.x", ">=3.0,", "3.0"])
    func aMalformedRangeIsAUsageError(_ range: String) throws {
        let run = try CLI.run(["gate", "--openssl-range", range])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("expected comparisons joined by commas"), "\(run.stderr)")
    }

    @Test func failIfAffectedBothWays() throws {
        let sid = try Runtimes.fetch("sid")
        let affected = try CLI.run(["gate", "--fail-if-affected", "--runtime", "system", "--runtime", sid])
        let out = String(decoding: affected.stdout, as: UTF8.self)
        #expect(affected.status == 1, "\(out)")
        #expect(out.contains("FAIL fail-if-affected: legacy-fastopen reproduces the regression on \(sid) (OpenSSL 3.6."), "\(out)")

        let system = try CLI.run(["gate", "--fail-if-affected", "--mode", "proxy-core"])
        let owns = try systemOpenSSL().socketBIOOwnsData
        #expect(system.status == (owns ? 1 : 0), "\(String(decoding: system.stdout, as: UTF8.self))")
        if !owns {
            #expect(String(decoding: system.stdout, as: UTF8.self).contains("PASS fail-if-affected: "))
        }
    }

    @Test(arguments: [
        (["gate", "--require", "proxy-kore"], "fd, legacy-fastopen"),
        (["gate", "--format", "json"], "--output"),
        (["gate", "--fail-if-affected", "--tfo", "on"], "--tfo off or both"),
        (["gate", "--runtime", "/nonexistent/runtime"], "/nonexistent/runtime"),
    ])
    func usageAndRuntimeErrorsExitTwo(_ arguments: [String], _ mentioned: String) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains(mentioned), "\(run.stderr)")
    }
}

@Suite struct MergeCommandTests {
    @Test func twoRealReportsMergeWithTheirHosts() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = folder.appendingPathComponent("a.json").path, b = folder.appendingPathComponent("b.json").path
        #expect(try CLI.run(["matrix", "--format", "json", "--output", a]).status == 0)
        #expect(try CLI.run(["matrix", "--runtime", trixie, "--format", "json", "--output", b]).status == 0)
        let first = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: a)))
        let second = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: b)))

        let merged = folder.appendingPathComponent("merged.json").path
        let run = try CLI.run(["merge", a, b, "--format", "json", "--output", merged])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(String(decoding: run.stdout, as: UTF8.self).hasPrefix("merged from 2 reports:\n"))
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: merged)))
        // Both reports come from this machine: the second host is numbered.
        let host = Formats.hostname(first)
        #expect(report.runtimes.map(\.name) == ["\(host):system", "\(host)#2:\(trixie)"])
        #expect(report.cells.count == first.cells.count + second.cells.count)
        #expect(report.cells.filter { $0.runtime.hasPrefix("\(host)#2:") }.map(\.outcome) == second.cells.map(\.outcome))
        #expect(report.diagnosis.map(\.runtime) == second.diagnosis.map { "\(host)#2:\($0.runtime)" })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: merged))) as? [String: Any])
        #expect((object["hosts"] as? [[String: Any]])?.compactMap { $0["source"] as? String } == [a, b])
        let validation = try Formats.validateJSON(merged)
        #expect(validation.status == 0, "\(validation.output)")

        // Every format renders the merged report.
        for format in ["text", "markdown", "junit"] {
            let rendered = try CLI.run(["merge", a, b, "--format", format])
            #expect(rendered.status == 0, "\(format): \(rendered.stderr)")
            #expect(String(decoding: rendered.stdout, as: UTF8.self).contains("\(host)#2:\(trixie)"), "\(format)")
        }
        let markdown = String(decoding: try CLI.run(["merge", a, b, "--format", "markdown"]).stdout, as: UTF8.self)
        #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
    }

    @Test func anotherSchemaVersionOrBrokenJSONIsRefusedAndNothingIsWritten() throws {
        let folder = try Formats.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json").path
        #expect(try CLI.run(["matrix", "--mode", "fd", "--format", "json", "--output", good]).status == 0)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: good))) as? [String: Any])
        object["schemaVersion"] = Report.currentSchemaVersion + 1
        let newer = folder.appendingPathComponent("newer.json").path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: newer))
        let truncated = folder.appendingPathComponent("truncated.json").path
        let text = try Data(contentsOf: URL(fileURLWithPath: good))
        try text.prefix(text.count / 2).write(to: URL(fileURLWithPath: truncated))

        for bad in [newer, truncated, folder.appendingPathComponent("missing.json").path] {
            let output = folder.appendingPathComponent("merged.md").path
            let run = try CLI.run(["merge", good, bad, "--format", "markdown", "--output", output])
            #expect(run.status == 2, "\(bad): \(run.stderr)")
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.split(separator: "\n").count == 1)
            #expect(run.stderr.contains(bad), "the message names the file: \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "nothing is written")
        }
    }
}

