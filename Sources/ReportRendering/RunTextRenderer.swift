import RunModel
import ToolCore

/// The terminal view of `tlsprobe run`: the verdict first, the program and the machine,
/// then one block per runtime (its name and outcome, the OpenSSL the program really
/// loaded, the verdict line, each socket's first TLS write, the request, how the program
/// ended and the end of its stderr), the count per outcome and the verdict again.
///
/// Everything in a run report came from the program or its output, so every string
/// goes through `TerminalText.escape` (`t`): a program's stderr cannot move the cursor
/// or forge a line. By default prose wraps at `width`; `wide` leaves lines whole.
package struct RunTextRenderer: Sendable {
    /// ANSI colour on outcomes and the verdict; the CLI decides (`--color`, `NO_COLOR`, `TERM=dumb`).
    package var color: Bool
    package var wide: Bool
    package var width: Int

    package init(color: Bool, wide: Bool = false, width: Int = 80) {
        self.color = color
        self.wide = wide
        self.width = max(width, 40)
    }

    package func render(_ report: RunReport) -> String {
        var lines = verdict(report)
        lines.append("")
        let program = ([report.program.path] + report.program.arguments).map { PathShortener.shorten($0) }.joined(separator: " ")
        lines += wrap("tlsprobe \(t(report.toolVersion)) run of \(t(program))", indent: "  ")
        lines += wrap("kernel \(t(report.environment.kernelRelease)) · tcp_fastopen=\(report.environment.tcpFastopen.map(String.init) ?? "unreadable") · timeout \(Self.number(report.timeoutSeconds)) s", first: "  ", indent: "    ")
        lines += wrap(t(Self.abi(report.program)), first: "  ", indent: "    ")
        if let reason = report.program.unobservableReason {
            lines += wrap("unobservable: \(t(reason))", first: "  ", indent: "    ")
        }
        if let origin = report.origin {
            let v6 = origin.ipv6.map { " and \(t($0))" } ?? " (no IPv6 loopback)"
            lines += wrap("origin: \(t(origin.ipv4))\(v6), CA \(t(PathShortener.shorten(origin.caFile)))", first: "  ", indent: "    ")
        }
        if let request = report.request {
            lines += wrap("request: GET \(t(request))", first: "  ", indent: "    ")
        }
        for result in report.results {
            lines.append("")
            lines += block(result)
        }
        lines.append("")
        let counts = RunOutcome.allCases.compactMap { outcome in report.summary[outcome].map { "\($0) \(outcome.rawValue)" } }
        lines += wrap("\(report.results.count) runtime\(report.results.count == 1 ? "" : "s"): \(counts.joined(separator: ", "))", indent: "  ")
        lines.append("")
        lines += verdict(report)
        return TextWrap.document(lines)
    }

    /// The verdict alone: for `--quiet`, and beside the paths when the report went to files.
    package func renderVerdict(_ report: RunReport) -> String {
        RunTextRenderer(color: color, wide: true, width: width).verdict(report).joined(separator: "\n") + "\n"
    }

    /// `Verdict: …`, red unless every runtime that ran was ok and one did.
    private func verdict(_ report: RunReport) -> [String] {
        TextWrap.verdict(wrap("Verdict: " + t(report.verdict), indent: "  "), bad: !report.passed, color: color)
    }

    /// `links libssl.so.3 (through libcurl.so.4)`.
    static func abi(_ program: ProgramFacts) -> String {
        guard let abi = program.abi else { return "links no libssl" }
        guard let from = program.abiFrom, from != program.path else { return "links \(abi)" }
        return "links \(abi) through \(from)"
    }

    // MARK: One runtime

    private func block(_ result: ProgramRunResult) -> [String] {
        var lines: [String] = []
        // `[trixie] AFFECTED on OpenSSL 3.5.4: …`: the outcome's word painted, said once.
        let title = "[\(t(PathShortener.shorten(result.name)))] "
        let headline = t(RunEvidence.headline(result))
        let word = headline.prefix(result.outcome.rawValue.count)
        let painted = paint(result.outcome, String(word))
        lines += wrap(title + painted + headline.dropFirst(word.count), indent: "    ", visibleExtra: painted.count - word.count)
        let loaded = RunEvidence.loaded(result)
        if loaded.isEmpty, result.outcome != .unsupported, result.outcome != .skipped {
            lines += wrap("loaded: no process reported the OpenSSL it loaded", first: "  ", indent: "    ")
        }
        for line in loaded {
            lines += wrap("loaded: " + t(line), first: "  ", indent: "    ")
        }
        for other in RunEvidence.unexpectedLibssl(result) {
            lines += wrap("loaded \(t(PathShortener.shorten(other))), not the runtime's \(t(PathShortener.shorten(result.expectedLibssl ?? "")))", first: "  ", indent: "    ")
        }
        if result.privateNamespace, let kernelTFO = result.kernelTFO {
            lines += wrap("tcp_fastopen=\(kernelTFO) in a private network namespace", first: "  ", indent: "    ")
        }
        let writes = RunEvidence.writes(result, limit: wide ? .max : RunEvidence.writeLimit)
        if !writes.isEmpty {
            lines.append("  first TLS write\(result.writes.count == 1 ? "" : "s"):")
            for write in writes {
                lines += wrap(t(write), first: "    ", indent: "      ")
            }
        }
        for note in result.observerNotes {
            lines += wrap("observer: \(t(note))", first: "  ", indent: "    ")
        }
        if let request = result.request {
            lines += wrap("request: " + t(RunEvidence.request(request)), first: "  ", indent: "    ")
            if let body = request.bodyHead, !request.succeeded, !body.isEmpty {
                lines += wrap("body: " + t(body), first: "    ", indent: "      ")
            }
        }
        if let exit = result.exit {
            lines += wrap("exit: " + t(exit.summary), first: "  ", indent: "    ")
            if !exit.stderrTail.isEmpty {
                lines.append("  stderr, last \(exit.stderrTail.count == 1 ? "line" : "\(exit.stderrTail.count) lines"):")
                for line in exit.stderrTail {
                    // Wrapped, never cut: the program's last words are evidence.
                    lines += wide ? ["    " + t(line)] : TextWrap.lines(t(line), width: width, first: "    ", indent: "      ")
                }
            }
        }
        return lines
    }

    // MARK: Text

    private func t(_ text: String) -> String {
        TerminalText.escape(text)
    }

    /// `5`, `2.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private func wrap(_ text: String, first: String = "", indent: String = "  ", visibleExtra: Int = 0) -> [String] {
        wide ? [first + text] : TextWrap.lines(text, width: width, first: first, indent: indent, visibleExtra: visibleExtra)
    }

    private func paint(_ outcome: RunOutcome, _ text: String) -> String {
        guard color else { return text }
        return "\u{1B}[\(Self.colorCode(outcome))m\(text)\u{1B}[0m"
    }

    private static func colorCode(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .ok: "32"
        case .affected, .failed, .crashed, .timeout, .unobservable: "31"
        case .unsupported, .skipped: "33"
        }
    }
}
