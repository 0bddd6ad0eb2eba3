import Foundation
import MatrixAnalysis
import MatrixModel
import ProxyCore

/// A report as JUnit XML for CI dashboards: one `testsuite` per runtime, one
/// `testcase` per cell. `failed`, `crashed` and `timeout` are failures carrying
/// the evidence; `unsupported` and `skipped` are skipped; an unusable runtime is
/// a suite with one `error`. The output validates against `docs/junit.xsd`, the
/// Ant/Jenkins layout that CI systems read.
///
/// A `tlsprobe gate` report adds a `gate` suite, one testcase per condition, and
/// counts as failures only the cells of the modes the gate requires: the
/// reproductions fail by design, and are reported in `system-out` as expected, so
/// the test report is green exactly when the gate's exit code is 0.
package struct JUnitRenderer: Sendable {
    package init() {}

    /// `hosts` are a merged report's hosts; leave it empty for a report of one run.
    package func render(_ report: Report, hosts: [MergedHost] = []) -> String {
        var suites = report.runtimes.enumerated().map { index, runtime in
            suite(runtime, id: index, cells: report.cells.filter { $0.runtime == runtime.name },
                  host: MergedHost.host(of: runtime.name, among: hosts, in: report), report: report)
        }
        if let gate = report.gate {
            suites.insert(gateSuite(gate, id: suites.count, report: report), at: 0)
        }
        var lines = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        lines.append("<testsuites" + Self.attributes([
            ("name", "tlsprobe"),
            ("tests", String(suites.map(\.tests).reduce(0, +))),
            ("failures", String(suites.map(\.failures).reduce(0, +))),
            ("errors", String(suites.map(\.errors).reduce(0, +))),
            ("skipped", String(suites.map(\.skipped).reduce(0, +))),
            ("time", Self.seconds(suites.map(\.milliseconds).reduce(0, +))),
        ]) + ">")
        for suite in suites { lines += suite.lines }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The testcase name of a cell: `mode/tfo-x/family[/teardown][/kernel-tfo-N]`, stable
    /// for dashboards. Cells gaining an axis extend `CellResult.name`.
    package static func testcaseName(_ cell: CellResult) -> String {
        cell.name
    }

    private struct Suite {
        var tests = 0, failures = 0, errors = 0, skipped = 0
        var milliseconds = 0.0
        var lines: [String] = []
    }

    private func suite(_ runtime: RuntimeSummary, id: Int, cells: [CellResult], host: MergedHost, report: Report) -> Suite {
        var suite = Suite()
        var body: [String] = []
        if let error = runtime.error ?? (runtime.openSSL == nil ? "no worker started" : nil) {
            suite.tests = 1
            suite.errors = 1
            body.append("    <testcase" + Self.attributes([("name", "runtime"), ("classname", runtime.name), ("time", "0.000")]) + ">")
            body.append("      <error" + Self.attributes([("message", error), ("type", "runtime")]) + ">"
                        + Self.escape(error) + "</error>")
            body.append("    </testcase>")
        }
        for cell in cells {
            suite.tests += 1
            suite.milliseconds += cell.durationMilliseconds
            let evidence = Self.escape(CellEvidence.lines(cell).joined(separator: "\n"))
            body.append("    <testcase" + Self.attributes([
                ("name", Self.testcaseName(cell)), ("classname", cell.runtime), ("time", Self.seconds(cell.durationMilliseconds)),
            ]) + ">")
            let gated = report.gate.map { $0.requiredModes.contains(cell.mode) } ?? true
            switch cell.outcome {
            case .failed, .crashed, .timeout:
                if gated {
                    suite.failures += 1
                    body.append("      <failure" + Self.attributes([("message", CellEvidence.summary(cell)), ("type", cell.outcome.rawValue)])
                                + ">" + evidence + "</failure>")
                } else {
                    body.append("      <system-out>" + Self.escape("expected in this gate run, not counted (\(cell.mode.rawValue) is not a required mode): \(CellEvidence.summary(cell))\n")
                                + evidence + "</system-out>")
                }
            case .unsupported, .skipped:
                suite.skipped += 1
                body.append("      <skipped" + Self.attributes([("message", "\(cell.outcome.rawValue): \(cell.reason ?? "no reason recorded")")]) + "/>")
                body.append("      <system-out>" + evidence + "</system-out>")
            case .ok:
                body.append("      <system-out>" + evidence + "</system-out>")
            }
            body.append("    </testcase>")
        }

        let timestamp = String(host.generatedAt.prefix(19))
        suite.lines.append("  <testsuite" + Self.attributes([
            ("name", runtime.name), ("tests", String(suite.tests)), ("failures", String(suite.failures)),
            ("errors", String(suite.errors)), ("skipped", String(suite.skipped)), ("time", Self.seconds(suite.milliseconds)),
            ("timestamp", timestamp), ("hostname", host.environment.hostname.isEmpty ? "unknown" : host.environment.hostname),
            ("id", String(id)), ("package", "tlsprobe"),
        ]) + ">")
        suite.lines.append("    <properties>")
        for (name, value) in properties(runtime, host: host) {
            suite.lines.append("      <property" + Self.attributes([("name", name), ("value", value)]) + "/>")
        }
        suite.lines.append("    </properties>")
        suite.lines += body
        let findings = report.diagnosis.filter { $0.runtime == runtime.name }.map { finding in
            "\(finding.title)\n\(finding.explanation)\nEvidence: \(finding.evidence.joined(separator: ", "))\nFix: \(finding.fix)"
        }
        suite.lines.append("    <system-out>" + Self.escape(findings.joined(separator: "\n\n")) + "</system-out>")
        suite.lines.append("    <system-err></system-err>")
        suite.lines.append("  </testsuite>")
        return suite
    }

    /// The gate's conditions, one testcase each: a failed condition is the failure; a held
    /// one in a run whose status is not the conditions' answer (nothing probed) an error.
    private func gateSuite(_ gate: GateOutcome, id: Int, report: Report) -> Suite {
        var suite = Suite()
        var body: [String] = []
        for verdict in gate.verdicts {
            suite.tests += 1
            body.append("    <testcase" + Self.attributes([("name", verdict.condition), ("classname", "gate"), ("time", "0.000")]) + ">")
            if verdict.passed && !gate.isDecided {
                suite.errors += 1
                let message = "undecided: the run exited \(gate.exitCode), so this condition's answer does not count"
                body.append("      <error" + Self.attributes([("message", message), ("type", "gate")]) + ">"
                            + Self.escape(verdict.detail) + "</error>")
            } else if verdict.passed {
                body.append("      <system-out>" + Self.escape(verdict.detail) + "</system-out>")
            } else {
                suite.failures += 1
                body.append("      <failure" + Self.attributes([("message", verdict.detail), ("type", "gate")]) + ">"
                            + Self.escape(verdict.detail) + "</failure>")
            }
            body.append("    </testcase>")
        }
        suite.lines.append("  <testsuite" + Self.attributes([
            ("name", "gate"), ("tests", String(suite.tests)), ("failures", String(suite.failures)), ("errors", String(suite.errors)),
            ("skipped", "0"), ("time", "0.000"), ("timestamp", String(report.generatedAt.prefix(19))),
            ("hostname", report.environment.hostname.isEmpty ? "unknown" : report.environment.hostname),
            ("id", String(id)), ("package", "tlsprobe"),
        ]) + ">")
        suite.lines.append("    <properties>")
        for (name, value) in [("exit code", String(gate.exitCode)), ("required modes", gate.requiredModes.map(\.rawValue).joined(separator: ", ")),
                              ("verdict", report.verdict)] {
            suite.lines.append("      <property" + Self.attributes([("name", name), ("value", value)]) + "/>")
        }
        suite.lines.append("    </properties>")
        suite.lines += body
        suite.lines.append("    <system-out>" + Self.escape(report.verdict) + "</system-out>")
        suite.lines.append("    <system-err></system-err>")
        suite.lines.append("  </testsuite>")
        return suite
    }

    /// The environment a dashboard shows beside the suite.
    private func properties(_ runtime: RuntimeSummary, host: MergedHost) -> [(String, String)] {
        let environment = host.environment
        var properties: [(String, String)] = [
            ("tool", "tlsprobe \(host.toolVersion)"),
            ("command", MarkdownRenderer.shellCommand(host.command)),
            ("kernel", environment.kernelRelease),
            ("tcp_fastopen", environment.tcpFastopen.map(String.init) ?? "unreadable"),
            ("TCP_FASTOPEN_CONNECT", environment.tcpFastOpenConnect.description),
        ]
        if let folder = runtime.folder { properties.append(("runtime.folder", folder)) }
        if let ssl = runtime.openSSL {
            properties += [
                ("openssl.headers", ssl.headerVersionText),
                ("openssl.runtime", ssl.runtimeVersionText),
                ("openssl.abi", runtime.libssl ?? "unknown"),
                ("openssl.libssl", ssl.libsslPath ?? "unknown"),
                ("openssl.libcrypto", ssl.libcryptoPath ?? "unknown"),
                ("socketBIOOwnsData", String(ssl.socketBIOOwnsData)),
                ("nativeTFO", String(ssl.nativeTFO)),
            ]
        }
        if let accounted = runtime.memoryAccounting { properties.append(("memoryAccounting", String(accounted))) }
        if let policy = runtime.policyTFOOff { properties.append(("proxy-core.tfo-off", policy.rawValue)) }
        if let policy = runtime.policyTFOOn { properties.append(("proxy-core.tfo-on", policy.rawValue)) }
        return properties
    }

    /// Milliseconds as JUnit's seconds with three decimals.
    static func seconds(_ milliseconds: Double) -> String {
        String(format: "%.3f", milliseconds / 1000)
    }

    static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(escape($0.1, inAttribute: true))\"" }.joined()
    }

    /// XML 1.0 text: `&`, `<` and `>` as entities, and in attributes also `"`, `'`,
    /// tab, newline and carriage return (as character references, which attribute
    /// normalisation would otherwise turn into spaces). Characters XML 1.0 cannot
    /// hold at all, not even as references (other C0 controls, U+FFFE, U+FFFF),
    /// are written as `\x1B` / `\uFFFE` text.
    static func escape(_ text: String, inAttribute: Bool = false) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += inAttribute ? "&quot;" : "\""
            case "'": out += inAttribute ? "&apos;" : "'"
            case "\r": out += "&#13;"
            case "\n": out += inAttribute ? "&#10;" : "\n"
            case "\t": out += inAttribute ? "&#9;" : "\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\x" + String(format: "%02X", scalar.value)
                } else if scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\\u" + String(format: "%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
