import RunModel
import ToolCore

/// `tlsprobe run` as JUnit XML for CI dashboards: one `testsuite` for the program, one
/// `testcase` per runtime result. An outcome that fails `run`'s exit status
/// (`RunOutcome.isFailure`: affected, failed, crashed, timeout, unobservable) is a
/// failure carrying the verdict and the evidence; `unsupported` and `skipped` are
/// skipped with their reason; the program's stderr tail is the testcase's `system-err`.
/// Validates against `docs/junit.xsd`, like the matrix's and the audit's.
package struct RunJUnitRenderer: Sendable {
    package init() {}

    package func render(_ report: RunReport) -> String {
        let failures = report.results.filter { $0.outcome.isFailure }.count
        let skipped = report.results.filter { Self.isSkipped($0.outcome) }.count
        let time = JUnitRenderer.seconds(report.results.map(\.seconds).reduce(0, +) * 1000)
        var lines = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        lines.append("<testsuites" + JUnitRenderer.attributes([
            ("name", "tlsprobe run"), ("tests", String(report.results.count)), ("failures", String(failures)),
            ("errors", "0"), ("skipped", String(skipped)), ("time", time),
        ]) + ">")
        let program = report.program.path.split(separator: "/").last.map(String.init) ?? report.program.path
        lines.append("  <testsuite" + JUnitRenderer.attributes([
            ("name", "run \(program.isEmpty ? "program" : program)"), ("tests", String(report.results.count)), ("failures", String(failures)),
            ("errors", "0"), ("skipped", String(skipped)), ("time", time),
            ("timestamp", String(report.generatedAt.prefix(19))),
            ("hostname", report.environment.hostname.isEmpty ? "unknown" : report.environment.hostname),
            ("id", "0"), ("package", "tlsprobe"),
        ]) + ">")
        lines.append("    <properties>")
        var properties = [("tool", "tlsprobe \(report.toolVersion)"), ("command", MarkdownRenderer.shellCommand(report.command)),
                          ("program", MarkdownRenderer.shellCommand([report.program.path] + report.program.arguments)),
                          ("kernel", report.environment.kernelRelease),
                          ("tcp_fastopen", report.environment.tcpFastopen.map(String.init) ?? "unreadable"),
                          ("verdict", report.verdict)]
        if let abi = report.program.abi { properties.append(("libssl-abi", abi)) }
        if let request = report.request { properties.append(("request", request)) }
        for (name, value) in properties {
            lines.append("      <property" + JUnitRenderer.attributes([("name", name), ("value", value)]) + "/>")
        }
        lines.append("    </properties>")
        for result in report.results {
            lines += testcase(result, program: program)
        }
        lines.append("    <system-out>" + JUnitRenderer.escape(report.verdict) + "</system-out>")
        lines.append("    <system-err></system-err>")
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The outcomes JUnit counts as skipped: the runtime could not run the program.
    private static func isSkipped(_ outcome: RunOutcome) -> Bool {
        switch outcome {
        case .unsupported, .skipped: true
        case .ok, .affected, .failed, .crashed, .timeout, .unobservable: false
        }
    }

    private func testcase(_ result: ProgramRunResult, program: String) -> [String] {
        var lines = ["    <testcase" + JUnitRenderer.attributes([
            ("name", result.name), ("classname", "run.\(program.isEmpty ? "program" : program)"),
            ("time", JUnitRenderer.seconds(result.seconds * 1000)),
        ]) + ">"]
        let evidence = JUnitRenderer.escape(RunEvidence.lines(result).joined(separator: "\n"))
        if result.outcome.isFailure {
            lines.append("      <failure" + JUnitRenderer.attributes([("message", result.verdict), ("type", result.outcome.rawValue)]) + ">"
                         + evidence + "</failure>")
        } else if Self.isSkipped(result.outcome) {
            lines.append("      <skipped" + JUnitRenderer.attributes([("message", RunEvidence.headline(result))]) + "/>")
            lines.append("      <system-out>" + evidence + "</system-out>")
        } else {
            lines.append("      <system-out>" + evidence + "</system-out>")
        }
        if let tail = result.exit?.stderrTail, !tail.isEmpty {
            lines.append("      <system-err>" + JUnitRenderer.escape(tail.joined(separator: "\n")) + "</system-err>")
        }
        lines.append("    </testcase>")
        return lines
    }
}
