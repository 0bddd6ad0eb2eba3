import Foundation
import ProbeKit
import ProxyCore

/// The terminal view of a report: a header, failures first, the diagnosis,
/// then one aligned table per runtime. Every string that came from outside
/// the renderer goes through `TerminalText.escape` (`t`).
package struct TextRenderer: Sendable {
    /// ANSI colour on outcomes; the CLI turns it on only for a TTY without `NO_COLOR`.
    package var color: Bool

    package init(color: Bool) {
        self.color = color
    }

    /// `hosts`: a merged report's hosts, named first since the header below knows one environment.
    package func render(_ report: Report, hosts: [MergedHost] = []) -> String {
        var lines: [String] = []
        if !hosts.isEmpty {
            lines.append("merged from \(hosts.count) report\(hosts.count == 1 ? "" : "s"):")
            for host in hosts {
                let tfo = host.environment.tcpFastopen.map(String.init) ?? "unreadable"
                lines.append("  \(t(host.name)): kernel \(t(host.environment.kernelRelease)) · tcp_fastopen=\(tfo) · \(t(host.generatedAt)) · \(t(host.source ?? "-"))")
            }
        }
        let env = report.environment
        lines.append("tlsprobe \(t(report.toolVersion)) · kernel \(t(env.kernelRelease)) · tcp_fastopen=\(env.tcpFastopen.map(String.init) ?? "unreadable")")
        for runtime in report.runtimes {
            lines += header(runtime)
        }
        lines.append("")

        let failures = report.failures
        if failures.isEmpty {
            lines.append("No failures.")
        } else {
            lines.append("Failures (\(failures.count)):")
            for cell in failures {
                lines.append("  \(paint(cell.outcome)) \(label(cell, in: report)): \(t(cell.reason ?? "no reason recorded"))")
            }
        }
        for finding in report.diagnosis {
            lines.append("")
            lines.append("Diagnosis [\(t(finding.runtime))]: \(t(finding.title))")
            lines.append("  \(t(finding.explanation))")
            lines.append("  Evidence: \(t(finding.evidence.joined(separator: ", ")))")
            lines.append("  Fix: \(t(finding.fix))")
        }

        for runtime in report.runtimes where runtime.error == nil {
            let cells = report.cells.filter { $0.runtime == runtime.name }
            let namespaces = cells.map(\.namespaceLabel).uniqued()
            for namespace in namespaces {
                lines.append("")
                if report.runtimes.count > 1 || namespaces.count > 1 || cells.first?.privateNamespace == true {
                    lines.append("[\(t(runtime.name))] \(t(runtime.openSSL?.runtimeVersionText ?? "")) · \(namespace)")
                }
                lines += table(cells.filter { $0.namespaceLabel == namespace })
            }
        }
        lines.append("")
        for cell in report.cells where cell.outcome == .unsupported || cell.outcome == .skipped {
            lines.append("\(cell.outcome.rawValue) \(label(cell, in: report)): \(t(cell.reason ?? ""))")
        }
        let counts = Outcome.allCases.compactMap { outcome in
            report.summary[outcome.rawValue].map { "\($0) \(outcome.rawValue)" }
        }
        lines.append("\(report.cells.count) cells: \(counts.joined(separator: ", "))")
        return lines.joined(separator: "\n") + "\n"
    }

    private func header(_ runtime: RuntimeSummary) -> [String] {
        if let error = runtime.error {
            return ["runtime \(t(runtime.name)): UNUSABLE: \(t(error))"]
        }
        guard let ssl = runtime.openSSL else {
            return ["runtime \(t(runtime.name)): not probed (every cell skipped)"]
        }
        return [
            "runtime \(t(runtime.name)): \(t(ssl.runtimeVersionText)) from \(t(ssl.libsslPath ?? "unknown path")) (headers: \(t(ssl.headerVersionText)))",
            "  socket BIO owns its data pointer: \(ssl.socketBIOOwnsData ? "yes (3.2+ behaviour)" : "no") · native TFO: \(ssl.nativeTFO ? "yes" : "no") · allocations accounted: \(runtime.memoryAccounting == true ? "yes" : "no") · proxy-core picks \(t(runtime.policyTFOOff ?? "?")) (TFO off), \(t(runtime.policyTFOOn ?? "?")) (TFO on)",
        ]
    }

    private func label(_ cell: CellResult, in report: Report) -> String {
        report.runtimes.count > 1 ? "[\(t(cell.runtime))] \(cell.cell.name)" : cell.cell.name
    }

    private func table(_ cells: [CellResult]) -> [String] {
        let header = ["MODE", "TFO", "FAMILY", "PHASE", "OUTCOME", "FIRST WRITE", "ERRNO", "TLS", "TFO DATA", "OPENSSL MEMORY", "MS"]
        let rows = cells.map { cell -> [String] in
            [cell.mode.rawValue, cell.tfo.rawValue, cell.family.rawValue, cell.phase.rawValue, cell.outcome.rawValue,
             Self.describe(cell.firstWrite), cell.firstWrite?.errnoName ?? cell.errnoName ?? cell.signal ?? "-",
             cell.tlsVersion ?? "-", cell.tfoEvidence.tfoEffective.rawValue, Self.describe(cell.memory),
             String(format: "%.1f", cell.durationMilliseconds)].map(t)
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ fields: [String], outcome: Outcome?) -> String {
            let text = fields.enumerated().map { index, field in
                let padded = field.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                return index == 4 && outcome != nil ? paint(outcome!, padded) : padded
            }.joined(separator: "  ")
            return String(text.reversed().drop { $0 == " " }.reversed())
        }
        return [line(header, outcome: nil)] + zip(rows, cells).map { line($0, outcome: $1.outcome) }
    }

    /// `sendto MSG_FASTOPEN addrlen 0/16`: what was passed against what the family needs.
    static func describe(_ write: FirstWrite?) -> String {
        guard let write else { return "-" }
        var text = write.syscall
        if !write.flags.isEmpty { text += " " + write.flags.joined(separator: "|") }
        if let length = write.addressLength { text += " addrlen \(length)/\(write.expectedAddressLength)" }
        return text
    }

    /// `clean`, `leak 1 (56 B)`, `foreign free 1`; `-` when not accounted.
    static func describe(_ memory: MemoryEvidence?) -> String {
        guard let memory else { return "-" }
        if memory.isClean { return "clean" }
        var parts: [String] = []
        if memory.leakedAllocations > 0 { parts.append("leak \(memory.leakedAllocations) (\(memory.leakedBytes) B)") }
        if memory.foreignFrees > 0 { parts.append("foreign free \(memory.foreignFrees)") }
        return parts.joined(separator: ", ")
    }

    private func t(_ text: String) -> String {
        TerminalText.escape(text)
    }

    private func paint(_ outcome: Outcome, _ text: String? = nil) -> String {
        let text = text ?? outcome.rawValue
        guard color else { return text }
        let code = switch outcome {
        case .ok: "32"
        case .failed, .crashed, .timeout: "31"
        case .unsupported, .skipped: "33"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}

private extension CellResult {
    /// `tcp_fastopen=3 (private namespace)` or `tcp_fastopen=1 (host)`.
    var namespaceLabel: String {
        "tcp_fastopen=\(kernelTFO.map(String.init) ?? "?") (\(privateNamespace ? "private namespace" : "host"))"
    }
}
