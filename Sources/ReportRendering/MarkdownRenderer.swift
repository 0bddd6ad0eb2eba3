import Foundation
import ProbeKit
import ProxyCore

/// A report as GitHub-flavoured Markdown, to paste into a bug report: a header
/// line, the environment, one table per runtime (failing cells first, marked ✗),
/// the diagnosis, and the command that produced it. Long evidence goes in
/// `<details>` blocks so the issue stays readable.
///
/// Everything that comes from the outside (runtime names, paths, OpenSSL error
/// strings, reasons) is escaped, so no value can break a table or start markup.
package struct MarkdownRenderer: Sendable {
    package init() {}

    /// `hosts` are a merged report's hosts; leave it empty for a report of one run.
    package func render(_ report: Report, hosts: [MergedHost] = []) -> String {
        let merged = !hosts.isEmpty
        let hosts = merged ? hosts : [MergedHost.only(report)]
        var lines: [String] = ["## tlsprobe report", ""]
        let machines = hosts.map { "host \(Self.code($0.name)), kernel \(Self.code($0.environment.kernelRelease))" }
        lines.append("tlsprobe \(Self.text(report.toolVersion)) · \(Self.text(report.generatedAt)) · \(machines.joined(separator: "; "))")
        lines.append("")
        let counts = Outcome.allCases.compactMap { outcome in report.summary[outcome.rawValue].map { "\($0) \(outcome.rawValue)" } }
        var result = "**\(report.cells.count) cells: \(counts.joined(separator: ", ")).**"
        let failures = report.failures.count
        result += failures == 0 ? " No failures." : " \(failures) failing cell\(failures == 1 ? "" : "s"), marked ✗ below."
        let unusable = report.runtimeErrors.count
        if unusable > 0 { result += " \(unusable) runtime\(unusable == 1 ? "" : "s") unusable." }
        lines.append(result)

        lines += ["", "### Environment", ""]
        lines += hostTable(hosts, merged: merged)
        lines.append("")
        lines += runtimeTable(report.runtimes)

        lines += ["", "### Matrix"]
        for runtime in report.runtimes {
            lines.append("")
            lines += matrix(runtime, cells: report.cells.filter { $0.runtime == runtime.name })
        }

        lines += ["", "### Diagnosis", ""]
        if report.diagnosis.isEmpty {
            lines.append("No finding: no cell shows any of the known failure mechanisms.")
        }
        for (index, finding) in report.diagnosis.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("#### \(Self.text(finding.title)) (\(Self.code(finding.runtime, inTable: false)))")
            lines.append("")
            lines.append(Self.text(finding.explanation))
            lines.append("")
            lines.append("**Evidence:** " + finding.evidence.map { Self.code($0, inTable: false) }.joined(separator: ", "))
            lines.append("")
            lines.append("**Fix:** " + Self.text(finding.fix))
        }

        lines += ["", merged ? "### Commands" : "### Command", ""]
        if merged {
            lines.append("Merged with:")
            lines.append("")
        }
        lines += Self.fenced([Self.shellCommand(report.command)], info: "sh")
        if merged {
            for host in hosts {
                lines.append("")
                lines.append("\(Self.code(host.name, inTable: false))\(host.source.map { " (\(Self.code($0, inTable: false)))" } ?? ""), \(Self.text(host.generatedAt)):")
                lines.append("")
                lines += Self.fenced([Self.shellCommand(host.command)], info: "sh")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Sections

    private func hostTable(_ hosts: [MergedHost], merged: Bool) -> [String] {
        func row(_ label: String, _ value: (MergedHost) -> String) -> [String] {
            [label] + hosts.map(value)
        }
        var rows: [[String]] = [
            row("kernel") { Self.text($0.environment.kernelRelease) },
            row("`tcp_fastopen`") { $0.environment.tcpFastopen.map { "\($0) (0x\(String($0, radix: 16)))" } ?? "unreadable" },
            row("`TCP_FASTOPEN_CONNECT`") { Self.text($0.environment.tcpFastOpenConnect) },
            row("IPv6 loopback") { $0.environment.ipv6Loopback ? "yes" : "no: \(Self.text($0.environment.ipv6LoopbackReason ?? ""))" },
            row("capabilities") { host in
                let relevant = host.environment.relevantCapabilities
                return relevant.keys.sorted().map { "\($0)=\(relevant[$0]! ? "yes" : "no")" }.joined(separator: " ")
            },
            row("tool") { "tlsprobe \(Self.text($0.toolVersion))" },
        ]
        if merged {
            rows.append(row("report") { $0.source.map { Self.code($0) } ?? "-" })
        }
        return Self.table(header: ["host"] + hosts.map { Self.code($0.name) }, rows: rows)
    }

    private func runtimeTable(_ runtimes: [RuntimeSummary]) -> [String] {
        let header = ["runtime", "OpenSSL headers", "OpenSSL runtime", "libssl", "`socketBIOOwnsData`", "`nativeTFO`",
                      "allocations accounted", "proxy-core picks (TFO off / on)"]
        let rows = runtimes.map { runtime -> [String] in
            guard let ssl = runtime.openSSL, runtime.error == nil else {
                return [Self.code(runtime.name), "**unusable:** \(Self.text(runtime.error ?? "no worker started"))",
                        "-", "-", "-", "-", "-", "-"]
            }
            return [Self.code(runtime.name), Self.text(ssl.headerVersionText), Self.text(ssl.runtimeVersionText),
                    ssl.libsslPath.map { Self.code($0) } ?? "unknown",
                    ssl.socketBIOOwnsData ? "yes" : "no", ssl.nativeTFO ? "yes" : "no",
                    runtime.memoryAccounting == true ? "yes" : "no",
                    "\(Self.text(runtime.policyTFOOff ?? "?")) / \(Self.text(runtime.policyTFOOn ?? "?"))"]
        }
        return Self.table(header: header, rows: rows)
    }

    private func matrix(_ runtime: RuntimeSummary, cells: [CellResult]) -> [String] {
        guard let ssl = runtime.openSSL, runtime.error == nil else {
            return ["#### \(Self.code(runtime.name, inTable: false)): unusable", "",
                    Self.text(runtime.error ?? "no worker started")]
        }
        var lines = ["#### \(Self.code(runtime.name, inTable: false)): \(Self.text(ssl.runtimeVersionText))", ""]
        let ordered = cells.filter { $0.outcome.isFailure } + cells.filter { !$0.outcome.isFailure }
        let header = ["", "mode", "TFO", "family", "phase", "`tcp_fastopen`", "outcome", "first write", "errno", "TLS",
                      "TFO data", "OpenSSL memory", "ms"]
        let rows = ordered.map { cell -> [String] in
            let failing = cell.outcome.isFailure
            return [failing ? "✗" : "", cell.mode.rawValue, cell.tfo.rawValue, cell.family.rawValue, cell.phase.rawValue,
                    (cell.kernelTFO.map(String.init) ?? "-") + (cell.privateNamespace ? " (private netns)" : ""),
                    failing ? "**\(cell.outcome.rawValue)**" : cell.outcome.rawValue,
                    Self.text(TextRenderer.describe(cell.firstWrite)),
                    Self.text(cell.firstWrite?.errnoName ?? cell.errnoName ?? cell.signal ?? "-"),
                    Self.text(cell.tlsVersion ?? "-"), cell.tfoEvidence.tfoEffective.rawValue,
                    Self.text(TextRenderer.describe(cell.memory)), CellEvidence.milliseconds(cell.durationMilliseconds)]
        }
        lines += Self.table(header: header, rows: rows, rightAligned: [header.count - 1])
        // Evidence only for cells that are not ok: the table says all there is about the
        // others, and GitHub refuses an issue body over 65,536 characters.
        let notOK = ordered.filter { $0.outcome != .ok }
        guard !notOK.isEmpty else { return lines }
        var evidence: [String] = []
        for cell in notOK {
            if !evidence.isEmpty { evidence.append("") }
            evidence.append(cell.name)
            evidence += CellEvidence.lines(cell).map { "  " + $0 }
        }
        lines += ["", "<details>",
                  "<summary>Evidence for the \(notOK.count) cell\(notOK.count == 1 ? "" : "s") of \(Self.html(runtime.name)) that \(notOK.count == 1 ? "is" : "are") not ok</summary>", ""]
        lines += Self.fenced(evidence, info: "text")
        lines += ["", "</details>"]
        return lines
    }

    // MARK: Markdown building blocks

    /// A GFM table. Every row has as many cells as the header: the column-count
    /// test relies on it, and GitHub drops cells beyond the header's.
    static func table(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.isEmpty ? " " : $0 }.joined(separator: " | ") + " |"
        }
        let separator = "|" + header.indices.map { rightAligned.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|"
        return [line(header), separator] + rows.map { line($0 + Array(repeating: "", count: max(0, header.count - $0.count))) }
    }

    /// Prose from the report, escaped for Markdown. ASCII punctuation that could
    /// start markup is backslash-escaped (always legal in CommonMark); `_` only
    /// where it is not inside a word, since intraword underscores never emphasise
    /// and `BIO_set_data` should stay readable in the raw text. Line breaks become
    /// spaces so a value never ends a table row.
    static func text(_ value: String) -> String {
        let characters = Array(value)
        var out = ""
        for (index, character) in characters.enumerated() {
            switch character {
            case "\\", "`", "*", "[", "]", "<", ">", "|", "~", "#", "&":
                out.append("\\")
                out.append(character)
            case "_":
                let before = index > 0 ? characters[index - 1] : " "
                let after = index + 1 < characters.count ? characters[index + 1] : " "
                if !(before.isLetter || before.isNumber) || !(after.isLetter || after.isNumber) { out.append("\\") }
                out.append("_")
            case "\n", "\r\n", "\r", "\t":
                out.append(" ")
            default:
                out += printable(character)
            }
        }
        return out
    }

    /// A code span. In a table, `|` must be written `\|` even inside code (GFM
    /// splits cells first); a value holding backticks is wrapped in a longer run.
    static func code(_ value: String, inTable: Bool = true) -> String {
        var body = value.map { character -> String in
            switch character {
            case "\n", "\r\n", "\r", "\t": return " "
            case "|" where inTable: return "\\|"
            default: return printable(character)
            }
        }.joined()
        let fence = String(repeating: "`", count: longestRun(of: "`", in: body) + 1)
        if body.hasPrefix("`") || body.hasSuffix("`") { body = " \(body) " }
        return fence + body + fence
    }

    /// A fenced block, its fence longer than any backtick run inside, so no line can close it.
    static func fenced(_ lines: [String], info: String) -> [String] {
        let body = lines.map { $0.map(printable).joined() }
        let fence = String(repeating: "`", count: max(3, body.map { longestRun(of: "`", in: $0) }.max().map { $0 + 1 } ?? 3))
        return [fence + info] + body + [fence]
    }

    /// For text inside raw HTML such as `<summary>`.
    static func html(_ value: String) -> String {
        value.map { character -> String in
            switch character {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            default: printable(character)
            }
        }.joined()
    }

    /// C0 controls and DEL shown as `\x1B`, so a terminal escape in an OpenSSL
    /// string is visible rather than invisible or mangled.
    static func printable(_ character: Character) -> String {
        guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first,
              scalar.value < 0x20 || scalar.value == 0x7F else { return String(character) }
        return "\\x" + String(format: "%02X", scalar.value)
    }

    static func longestRun(of character: Character, in value: String) -> Int {
        var longest = 0, current = 0
        for next in value {
            current = next == character ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }

    /// The command line as a shell would need it typed: arguments with anything
    /// but `[A-Za-z0-9_@%+=:,./-]` single-quoted.
    static func shellCommand(_ arguments: [String]) -> String {
        arguments.map { argument in
            let safe = !argument.isEmpty && argument.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_@%+=:,./-".unicodeScalars.contains($0))
            }
            return safe ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
