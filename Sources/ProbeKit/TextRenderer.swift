import ProxyCore

/// The terminal view of a report: a header, failures first, then one aligned row per cell.
public struct TextRenderer: Sendable {
    /// ANSI colour on outcomes; the CLI turns it on only for a TTY without `NO_COLOR`.
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    public func render(_ report: Report) -> String {
        var lines: [String] = []
        let env = report.environment
        lines.append("tlsprobe \(report.toolVersion) · kernel \(env.kernelRelease) · tcp_fastopen=\(env.tcpFastopen.map(String.init) ?? "unreadable")")
        for runtime in report.runtimes {
            let ssl = runtime.openSSL
            lines.append("runtime \(runtime.name): \(ssl.runtimeVersionText) from \(ssl.libsslPath ?? "unknown path") (headers: \(ssl.headerVersionText))")
            lines.append("  socket BIO owns its data pointer: \(ssl.socketBIOOwnsData ? "yes (3.2+ behaviour)" : "no") · native TFO: \(ssl.nativeTFO ? "yes" : "no") · proxy-core picks \(runtime.policyTFOOff) (TFO off), \(runtime.policyTFOOn) (TFO on)")
        }
        lines.append("")

        let failures = report.failures
        if failures.isEmpty {
            lines.append("No failures.")
        } else {
            lines.append("Failures (\(failures.count)):")
            for cell in failures {
                lines.append("  \(paint(cell.outcome)) \(cell.cell.name): \(cell.reason ?? "no reason recorded")")
            }
        }
        lines.append("")

        let header = ["MODE", "TFO", "FAMILY", "OUTCOME", "FIRST WRITE", "ERRNO", "TLS", "TFO DATA", "MS"]
        let rows = report.cells.map { cell -> [String] in
            [cell.mode.rawValue, cell.tfo.rawValue, cell.family.rawValue, cell.outcome.rawValue,
             Self.describe(cell.firstWrite), cell.firstWrite?.errnoName ?? cell.errnoName ?? "-",
             cell.tlsVersion ?? "-", cell.tfoEvidence.tfoEffective.rawValue,
             String(format: "%.1f", cell.durationMilliseconds)]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ fields: [String], outcome: Outcome?) -> String {
            fields.enumerated().map { index, field in
                let padded = field.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                return index == 3 && outcome != nil ? paint(outcome!, padded) : padded
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        lines.append(line(header, outcome: nil))
        for (row, cell) in zip(rows, report.cells) {
            lines.append(line(row, outcome: cell.outcome))
        }
        lines.append("")

        let explained = report.cells.filter { $0.outcome == .unsupported || $0.outcome == .skipped }
        for cell in explained {
            lines.append("\(cell.outcome.rawValue) \(cell.cell.name): \(cell.reason ?? "")")
        }
        let counts = Outcome.allCases.compactMap { outcome in
            report.summary[outcome.rawValue].map { "\($0) \(outcome.rawValue)" }
        }
        lines.append("\(report.cells.count) cells: \(counts.joined(separator: ", "))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `sendto MSG_FASTOPEN addrlen 0/16`: what was passed against what the family needs.
    static func describe(_ write: FirstWrite?) -> String {
        guard let write else { return "-" }
        var text = write.syscall
        if !write.flags.isEmpty { text += " " + write.flags.joined(separator: "|") }
        if let length = write.addressLength { text += " addrlen \(length)/\(write.expectedAddressLength)" }
        return text
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

private extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
