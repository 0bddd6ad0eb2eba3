import Foundation
import MatrixAnalysis
import MatrixModel
import TestSupport
import Testing

/// Real reports in every format, checked with the schemas and tools their readers use.
@Suite struct ReportFormatsTests {
    @Test func jsonOutputValidatesAgainstTheSchema() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Repository.scratch("formats")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.json").path
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--format", "json", "--output", path])
        #expect(run.status == 0, "\(run.stderr)")
        let validation = try Formats.validateJSON(path)
        #expect(validation.status == 0, "\(validation.transcript)")
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
        let folder = try Repository.scratch("formats")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        var object = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let path = folder.appendingPathComponent("broken.json")
        try run.stdout.write(to: path)
        let intact = try Formats.validateJSON(path.path)
        #expect(intact.status == 0, "the unbroken report: \(intact.transcript)")
        breakage.apply(to: &object)
        try JSONSerialization.data(withJSONObject: object).write(to: path)
        let broken = try Formats.validateJSON(path.path)
        #expect(broken.status == 1, "\(breakage) passed the schema: \(broken.transcript)")
    }

    @Test func junitOutputValidatesAndCarriesTheEvidence() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Repository.scratch("formats")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("junit.xml").path
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--format", "junit", "--output", path])
        #expect(run.status == 0, "\(run.stderr)")
        // With --output, the terminal still gets the text table.
        let text = run.output
        #expect(text.contains("MODE") && text.contains("cells:"), "\(text)")
        #expect(!text.contains("<?xml"))

        let lint = try Formats.xmllint(["--noout", "--schema", Formats.junitSchema, path])
        #expect(lint.status == 0, "\(lint.transcript)")
        #expect(try Formats.xpath("count(//testcase)", in: path) == "\(2 * MatrixPlan().cells.count)")
        // Each suite's own properties say whether its socket BIO owns its data pointer; where
        // it does, the legacy TFO-off cells must be failures whose message shows address length 0,
        // and where it does not, they pass.
        #expect(try Formats.xpath("count(//testsuite)", in: path) == "2")
        var owning = 0
        for index in 1...2 {
            let suite = "(//testsuite)[\(index)]"
            let name = try Formats.xpath("string(\(suite)/@name)", in: path)
            let owns = try Formats.xpath("string(\(suite)/properties/property[@name='socketBIOOwnsData']/@value)", in: path)
            let legacy = "\(suite)/testcase[@name='legacy-fastopen/tfo-off/ipv4']"
            #expect(try Formats.xpath("count(\(legacy))", in: path) == "1", "\(name)")
            switch owns {
            case "true":
                owning += 1
                let evidence = try Formats.xpath("string(\(legacy)/failure/@message)", in: path)
                #expect(evidence.contains("first write: sendto MSG_FASTOPEN addrlen 0/16"), "\(name): \(evidence)")
            case "false":
                #expect(try Formats.xpath("count(\(legacy)/failure)", in: path) == "0", "\(name)")
            default:
                Issue.record("\(name): socketBIOOwnsData is '\(owns)'")
            }
            if name == "system" {
                let system = try CLI.systemOpenSSL.get()
                #expect(owns == "\(system.socketBIOOwnsData)", "the system suite says what tlsprobe env measured")
            }
        }
        #expect(owning >= 1, "trixie's OpenSSL 3.5 owns its data pointer")
    }

    @Test func markdownIsTablesThatRender() throws {
        let trixie = try Runtimes.fetch("trixie")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--format", "markdown"])
        #expect(run.status == 0, "\(run.stderr)")
        let markdown = run.output
        let tables = MarkdownTables.tables(in: markdown)
        #expect(tables.count == 5, "the pivot, hosts, runtimes, and a full matrix per runtime")
        #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
        let matrices = tables.filter { $0[0].contains("| outcome |") }
        #expect(matrices.map { $0.count - 2 } == [MatrixPlan().cells.count, MatrixPlan().cells.count])
        for table in matrices {
            let marks = table.dropFirst(2).map { $0.hasPrefix("| ✗ |") }
            #expect(marks == marks.sorted { $0 && !$1 }, "failing rows come first")
        }
        #expect(markdown.hasPrefix("## tlsprobe: AFFECTED: 4 of 4 designs on OpenSSL 3.5"), "the verdict is the title")
        let title = try #require(markdown.split(separator: "\n").first)
        #expect(title.dropFirst("## ".count).count <= 120, "one line of at most 120 characters: \(title)")
        #expect(markdown.contains("\n- ATS ≤ 9.2.4 fast-open BIO (legacy-fastopen): AFFECTED on OpenSSL 3.5"), "the verdict list follows")
        let order = ["### Matrix at a glance", "### Diagnosis", "### Failures", "### Environment", "### Command", "<summary>The full matrix"]
            .map { markdown.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "the sections in a reader's order")
        #expect(markdown.contains("**What to do:** "), "the diagnosis says what to do in OpenSSL's terms")
        #expect(!markdown.contains(FileManager.default.homeDirectoryForCurrentUser.path + "/"), "no home folder published")
        #expect(!markdown.contains("/tmp/"), "no temporary folder published")
        #expect(markdown.contains("### Matrix at a glance"))
        #expect(markdown.contains("| legacy-fastopen | "), "the pivot has a row per mode")
        #expect(markdown.contains("### Diagnosis"))
        #expect(markdown.contains("<details>"))
        #expect(markdown.contains("matrix --runtime system --runtime "), "the command")
        #expect(markdown.contains(" --format markdown\n```"), "the command")
    }

    @Test func outputIsWrittenWholeAndReplacesTheOldFile() throws {
        let folder = try Repository.scratch("formats")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.json")
        try Data("stale, not JSON".utf8).write(to: path)
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "proxy-core", "--format", "json", "--output", path.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(try Data(contentsOf: path))
        #expect(report.cells.count == MatrixPlan(modes: [.proxyCore]).cells.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.json"], "no temporary file left")
        #expect(run.output.contains("cells:"), "the terminal gets the text rendering")
    }

    @Test(arguments: [["matrix"], ["gate"], ["merge", "report.json"]])
    func anUnwritableOutputIsAUsageError(_ command: [String]) throws {
        let run = try CLI.run(command + ["--output", "/nonexistent-folder/report.json"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("/nonexistent-folder"), "\(run.stderr)")
    }
}
