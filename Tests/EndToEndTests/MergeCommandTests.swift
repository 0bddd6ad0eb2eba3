import Foundation
import MatrixModel
import TestSupport
import Testing
import ToolCore

/// `tlsprobe merge`: reports from several hosts in one.
@Suite struct MergeCommandTests {
    @Test func twoRealReportsMergeWithTheirHosts() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Repository.scratch("merge")
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = folder.appendingPathComponent("a.json").path, b = folder.appendingPathComponent("b.json").path
        #expect(try CLI.run(["matrix", "--runtime", "system", "--format", "json", "--output", a]).status == 0)
        #expect(try CLI.run(["matrix", "--runtime", trixie, "--format", "json", "--output", b]).status == 0)
        let first = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: a)))
        let second = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: b)))

        let merged = folder.appendingPathComponent("merged.json").path
        let run = try CLI.run(["merge", a, b, "--format", "json", "--output", merged])
        #expect(run.status == 0, "\(run.stderr)")
        // The hosts are named before the environment header, which knows only one of them.
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let hostList = try #require(lines.firstIndex(of: "merged from 2 reports:"), "\(run.output)")
        let header = try #require(lines.firstIndex { $0.hasPrefix("tlsprobe ") }, "\(run.output)")
        #expect(hostList < header, "\(run.output)")
        let hosts = lines[hostList..<max(hostList, header)].joined(separator: " ")
        #expect(hosts.contains(a) && hosts.contains(b), "\(run.output)")
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: merged)))
        // Both reports come from this machine: the second host is numbered.
        let host = first.environment.hostname
        #expect(report.runtimes.map(\.name) == ["\(host):system", "\(host)#2:\(trixie)"])
        #expect(report.cells.count == first.cells.count + second.cells.count)
        #expect(report.cells.filter { $0.runtime.hasPrefix("\(host)#2:") }.map(\.outcome) == second.cells.map(\.outcome))
        // Each report's findings, under its host's name (the system runtime has some too where its OpenSSL is 3.2 or later).
        #expect(report.diagnosis.map(\.runtime)
                    == first.diagnosis.map { "\(host):\($0.runtime)" } + second.diagnosis.map { "\(host)#2:\($0.runtime)" })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: merged))) as? [String: Any])
        #expect((object["hosts"] as? [[String: Any]])?.compactMap { $0["source"] as? String } == [a, b])
        let validation = try Formats.validateJSON(merged)
        #expect(validation.status == 0, "\(validation.transcript)")

        // Every format renders the merged report.
        for format in ["text", "markdown", "junit"] {
            let rendered = try CLI.run(["merge", a, b, "--format", format])
            #expect(rendered.status == 0, "\(format): \(rendered.stderr)")
            // Text and Markdown publish the folder shortened (`<cache>/…`, `~/…`), JUnit as it is.
            let name = format == "junit" ? "\(host)#2:\(trixie)" : PathShortener.shorten("\(host)#2:\(trixie)")
            #expect(name.hasPrefix("\(host)#2:"))
            #expect(rendered.output.contains(name), "\(format): \(name)")
        }
        let markdown = try CLI.run(["merge", a, b, "--format", "markdown"]).output
        #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
    }

    @Test func anotherSchemaVersionOrBrokenJSONIsRefusedAndNothingIsWritten() throws {
        let folder = try Repository.scratch("merge")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json").path
        #expect(try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json", "--output", good]).status == 0)
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
