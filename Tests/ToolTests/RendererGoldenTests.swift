import Foundation
@testable import MatrixAnalysis
@testable import MatrixModel
@testable import ReportRendering
import Testing
import TestSupport

@Suite struct RendererGoldenTests {
    let report = ReportFixture.report()

    @Test func textRendering() throws {
        try Golden.expect(TextRenderer(color: false).render(report), matches: "report.txt")
    }

    @Test func markdownRendering() throws {
        try Golden.expect(MarkdownRenderer().render(report), matches: "report.md")
    }

    @Test func junitRendering() throws {
        try Golden.expect(JUnitRenderer().render(report), matches: "report.xml")
    }

    @Test func mergedMarkdownRendering() throws {
        let inputs = try [ReportFixture.cleanReport(hostname: "ci-runner-1"), ReportFixture.report(hostname: "ci-runner-2")]
            .enumerated().map { ReportMerger.Input(source: "job-\($0.offset + 1).json", data: try $0.element.jsonData()) }
        let merged = try ReportMerger.merge(inputs, command: ["tlsprobe", "merge", "job-1.json", "job-2.json", "--format", "markdown"],
                                            generatedAt: ReportFixture.date)
        try Golden.expect(MarkdownRenderer().render(merged.report, hosts: merged.hosts), matches: "merged.md")
    }

    @Test func markdownTablesHaveAsManyCellsAsTheirHeader() throws {
        let markdown = MarkdownRenderer().render(report)
        let tables = MarkdownTables.tables(in: markdown)
        // The pivot, hosts, runtimes, and one full matrix per usable runtime.
        #expect(tables.count == 3 + report.runtimes.filter { $0.error == nil }.count)
        #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
    }

    @Test func aPipeInAValueStaysInsideItsCell() {
        var runtime = ReportFixture.runtime("/opt/ssl|odd `name`", ReportFixture.openSSL35())
        runtime.openSSL?.libsslPath = "/opt/ssl|odd/libssl.so.3"
        var cell = ReportFixture.ok(ReportFixture.cell(.fd, .off, .ipv4), runtime: runtime.name, milliseconds: 1)
        cell.tlsVersion = "TLS|v1.3"
        let report = Report(command: ["tlsprobe", "matrix", "--runtime", "/opt/ssl|odd `name`"], timeoutSeconds: 5,
                            environment: ReportFixture.environment(), runtimes: [runtime], cells: [cell],
                            generatedAt: ReportFixture.date)
        let markdown = MarkdownRenderer().render(report)
        #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
        #expect(markdown.contains("`` /opt/ssl\\|odd `name` ``"))
        #expect(markdown.contains("'/opt/ssl|odd `name`'"), "the command line is shell-quoted")
    }

    @Test func markdownListsFailingCellsFirstAndMarksThem() throws {
        let markdown = MarkdownRenderer().render(report)
        let matrices = MarkdownTables.tables(in: markdown).filter { $0[0].contains("| outcome |") }
        #expect(matrices.count == 2)
        for table in matrices {
            let marks = table.dropFirst(2).map { $0.hasPrefix("| ✗ |") }
            #expect(marks == marks.sorted { $0 && !$1 }, "failing rows first: \(table)")
        }
        let trixie = try #require(matrices.last)
        #expect(trixie.dropFirst(2).filter { $0.hasPrefix("| ✗ |") }.count == report.failures.count)
        #expect(markdown.contains("<details>"))
        #expect(markdown.contains("```sh\ntlsprobe matrix --runtime system"))
    }

    @Test func markdownEscapesProse() {
        #expect(MarkdownRenderer.text("BIO_set_data *x* _y_ <b> a|b `c` [l](u) & #1") ==
                "BIO_set_data \\*x\\* \\_y\\_ \\<b\\> a\\|b \\`c\\` \\[l\\](u) \\& \\#1")
        #expect(MarkdownRenderer.text("two\nlines\u{1B}[0m") == "two lines\\x1B\\[0m")
        #expect(MarkdownRenderer.code("a`b") == "``a`b``")
        #expect(MarkdownRenderer.fenced(["```", "x"], info: "text") == ["````text", "```", "x", "````"])
    }

    @Test func xmlEscaping() {
        #expect(JUnitRenderer.escape("a & b < c > d \"e\" 'f'") == "a &amp; b &lt; c &gt; d \"e\" 'f'")
        #expect(JUnitRenderer.escape("\"e\" 'f'", inAttribute: true) == "&quot;e&quot; &apos;f&apos;")
        #expect(JUnitRenderer.escape("x\ny\tz\r") == "x\ny\tz&#13;")
        #expect(JUnitRenderer.escape("x\ny\tz", inAttribute: true) == "x&#10;y&#9;z")
        #expect(JUnitRenderer.escape("\u{1B}[31m\u{0}\u{FFFE}é") == "\\x1B[31m\\x00\\uFFFEé")
    }

    @Test func junitValidatesAgainstTheSchemaAndParsesBack() throws {
        let xml = JUnitRenderer().render(report)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-junit-\(UUID().uuidString).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let lint = try Tool.run(Tool.xmllint, ["--noout", "--schema", Tool.junitSchema, file.path])
        #expect(lint.status == 0, "\(lint.stderr)")

        let usable = report.runtimes.filter { $0.error == nil }.count
        #expect(try Tool.xpath("count(/testsuites/testsuite)", in: xml) == "\(report.runtimes.count)")
        #expect(try Tool.xpath("count(//testcase)", in: xml) == "\(report.cells.count + report.runtimes.count - usable)")
        #expect(try Tool.xpath("count(//testcase/failure)", in: xml) == "\(report.failures.count)")
        #expect(try Tool.xpath("sum(//testsuite/@failures)", in: xml) == "\(report.failures.count)")
        let notProbed = report.cells.filter { $0.outcome == .skipped || $0.outcome == .unsupported }.count
        #expect(try Tool.xpath("count(//testcase/skipped)", in: xml) == "\(notProbed)")
        #expect(try Tool.xpath("count(//testcase/error)", in: xml) == "1")
        #expect(try Tool.xpath("string(//testcase[failure/@type='crashed']/@name)", in: xml) == "exdata-fastopen/tfo-on/ipv4")
        // Entities decode back to the original text; the terminal escape is visible, not raw.
        let message = try Tool.xpath("string(//testcase[@name='socket-conn-address/tfo-on/ipv4']/failure/@message)", in: xml)
        #expect(message.contains("| EPIPE <not \"connected\"> & *no* `peer`"))
        let body = try Tool.xpath("string(//testcase[@name='socket-conn-address/tfo-on/ipv4']/failure)", in: xml)
        #expect(body.contains("Broken pipe <fd=7> & \\x1B[31mred\\x1B[0m 'quoted'"))
    }

    @Test func junitNamesCellsOfAKernelTFOAxisApart() {
        var host = ReportFixture.ok(ReportFixture.cell(.fd, .off, .ipv4), runtime: "system", milliseconds: 1)
        var namespaced = host
        namespaced.privateNamespace = true
        namespaced.kernelTFO = 3
        host.privateNamespace = false
        #expect(JUnitRenderer.testcaseName(host) == "fd/tfo-off/ipv4")
        #expect(JUnitRenderer.testcaseName(namespaced) == "fd/tfo-off/ipv4/kernel-tfo-3")
    }
}
