import Foundation
import MatrixAnalysis
import MatrixModel
import ProxyCore
import ToolCore

/// A report as GitHub-flavoured Markdown, for an issue body. A maintainer reads it
/// top down and stops when they know enough: the verdict's title (one line of at most
/// 120 characters) and a line per design; the gate's conditions, when a gate made it;
/// a pivot of every mode on every runtime with a legend; the diagnosis, once per
/// mechanism, with what a proxy author does about it in OpenSSL's terms; the failures
/// grouped by mechanism, their evidence folded; the environment in tables that fit a
/// comment; the command with private paths shortened; and the full matrix folded.
///
/// It never exceeds GitHub's 65,536-character limit for an issue body: past it,
/// the full matrix goes first, then the per-cell evidence, and the report says
/// where the complete JSON comes from.
///
/// Everything that comes from the outside (runtime names, paths, OpenSSL error
/// strings, reasons) is escaped, so no value can break a table or start markup.
package struct MarkdownRenderer: Sendable {
    /// GitHub refuses an issue body longer than this.
    package static let limit = 65_536

    package init() {}

    /// `hosts` are a merged report's hosts; leave it empty for a report of one run.
    package func render(_ report: Report, hosts: [MergedHost] = []) -> String {
        let full = document(report, hosts: hosts, detail: .full)
        if full.utf8.count <= Self.limit { return full }
        let summary = document(report, hosts: hosts, detail: .withoutMatrix)
        if summary.utf8.count <= Self.limit { return summary }
        return document(report, hosts: hosts, detail: .brief)
    }

    /// How much a document holds, from all to what always fits.
    private enum Detail: Comparable {
        /// Everything, the full matrix folded in `<details>`.
        case full
        /// No full matrix.
        case withoutMatrix
        /// No full matrix, no per-cell evidence, at most `briefCells` cells listed.
        case brief
    }

    private static let briefCells = 60

    private func document(_ report: Report, hosts: [MergedHost], detail: Detail) -> String {
        let merged = !hosts.isEmpty
        let hosts = merged ? hosts : [MergedHost.only(report)]
        var lines: [String] = ["## tlsprobe: \(Self.text(report.verdict))", ""]
        for line in report.verdictLines ?? [] {
            lines.append("- " + Self.text(line))
        }
        if !(report.verdictLines ?? []).isEmpty { lines.append("") }
        let machines = hosts.map { "host \(Self.code($0.name)), kernel \(Self.code($0.environment.kernelRelease))" }
        lines.append("tlsprobe \(Self.text(report.toolVersion)) · \(Self.text(report.generatedAt)) · \(machines.joined(separator: "; "))")
        lines.append("")
        let counts = Outcome.allCases.compactMap { outcome in report.summary[outcome].map { "\($0) \(outcome.rawValue)" } }
        var result = "**\(report.cells.count) cells: \(counts.joined(separator: ", ")).**"
        let failures = report.failures.count
        result += failures == 0 ? " No failures." : " \(failures) failing cell\(failures == 1 ? "" : "s")."
        let unusable = report.runtimeErrors.count
        if unusable > 0 { result += " \(unusable) runtime\(unusable == 1 ? "" : "s") unusable." }
        lines.append(result)

        if let gate = report.gate {
            let headline = gate.isDecided ? (gate.passed ? "passed" : "FAILED") : "UNDECIDED"
            lines += ["", "### Gate: \(headline) (exit \(gate.exitCode))", ""]
            lines += Self.table(header: ["condition", "verdict", "why"], rows: gate.verdicts.map {
                [Self.text($0.condition), $0.passed ? (gate.isDecided ? "✓ pass" : "? undecided") : "✗ **FAIL**", Self.text($0.detail)]
            })
            lines += ["", "Only the cells of \(gate.requiredModes.map { Self.code($0.rawValue, inTable: false) }.joined(separator: ", ")) count for the gate; the reproductions fail by design."]
        }

        lines += ["", "### Matrix at a glance", ""]
        lines += pivot(report)

        lines += ["", "### Diagnosis", ""]
        let groups = FindingGroup.groups(report.diagnosis)
        if groups.isEmpty {
            lines.append("No finding: no cell shows any of the known failure mechanisms.")
        }
        for (index, group) in groups.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("#### \(Self.text(group.headline)) on \(runtimeList(group.runtimes, in: report))")
            for explanation in group.explanations {
                lines += ["", Self.text(explanation)]
            }
            lines += ["", "**What to do:** " + Self.text(group.advice)]
        }

        lines += failureGroups(report, groups: groups, detail: detail)
        lines += notProbed(report, detail: detail)

        lines += ["", "### Environment", ""]
        lines += hostTable(hosts, merged: merged)
        lines.append("")
        lines += runtimeTable(report.runtimes)
        if let plugins = report.plugins {
            lines += ["", "BIO plug-ins (`--bio-plugin`), with their static class from `tlsprobe audit`:", ""]
            lines += Self.table(header: ["mode", "file", "audit class", "note"], rows: plugins.map {
                [Self.code($0.mode.rawValue), Self.pluginFiles($0), $0.auditClass?.rawValue ?? "-", Self.text($0.note ?? "-")]
            })
        }

        lines += ["", merged ? "### Commands" : "### Command", ""]
        if merged {
            lines.append("Merged with:")
            lines.append("")
        }
        lines += Self.fenced([Self.shellCommand(PathShortener.shorten(arguments: report.command))], info: "sh")
        if merged {
            for host in hosts {
                lines.append("")
                lines.append("\(Self.code(host.name, inTable: false))\(host.source.map { " (\(Self.code(PathShortener.shorten($0), inTable: false)))" } ?? ""), \(Self.text(host.generatedAt)):")
                lines.append("")
                lines += Self.fenced([Self.shellCommand(PathShortener.shorten(arguments: host.command))], info: "sh")
            }
        }

        lines.append("")
        if detail == .full {
            lines += ["<details>", "<summary>The full matrix: \(report.cells.count) cells</summary>"]
            for runtime in report.runtimes {
                lines.append("")
                lines += matrix(runtime, cells: report.cells.filter { $0.runtime == runtime.name })
            }
            lines += ["", "</details>"]
        } else {
            lines.append("*The full matrix\(detail == .brief ? " and the per-cell evidence are" : " is") left out to stay under GitHub's \(Self.limit)-character limit for an issue; attach the JSON report instead: the same command with `--format json --output report.json`.*")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `OpenSSL 3.5.9 (`trixie`), OpenSSL 3.6.5 (`sid`)`.
    private func runtimeList(_ names: [String], in report: Report) -> String {
        names.map { name in
            let version = report.runtimes.first { $0.name == name }?.openSSL?.runtimeVersion
            return (version.map { "OpenSSL \($0) " } ?? "") + "(" + Self.runtimeName(name, inTable: false) + ")"
        }.joined(separator: ", ")
    }

    /// Every mode on every runtime (and `tcp_fastopen` value), one mark per cell in the
    /// plan's order (TFO off then on, IPv4 then IPv6), the teardown phase after `·`.
    private func pivot(_ report: Report) -> [String] {
        let pivot = Pivot(report)
        let header = ["mode"] + pivot.columns.map { column -> String in
            var title = "\(Self.runtimeName(column.runtime)) \(column.version)"
            if pivot.namespaced { title += " · `tcp_fastopen=\(column.kernelTFO.map(String.init) ?? "?")`" }
            return title
        }
        let rows = pivot.rows.map { row -> [String] in
            var label = row.mode.rawValue
            if let plugin = report.plugins?.first(where: { $0.mode == row.mode }), let auditClass = plugin.auditClass {
                label += " · audit: \(auditClass.rawValue)"
            }
            return [label] + row.entries.map { Pivot.entry($0, mark: Self.symbol, separator: " · ", empty: " ") }
        }
        var lines = Self.table(header: header, rows: rows)
        let order = "TFO off then on, IPv4 then IPv6" + (pivot.hasTeardown ? "; after `·`, the same four released before their first write (teardown)" : "")
        lines += ["", "One mark per cell, \(order): ✅ ok · ❌ failed · 💥 crashed · ⌛ timeout · ➖ not applicable (unsupported or skipped)."]
        return lines
    }

    /// Marks that differ at a glance, each one symbol wherever it is rendered.
    static func symbol(_ outcome: Outcome) -> String {
        switch outcome {
        case .ok: "✅"
        case .failed: "❌"
        case .crashed: "💥"
        case .timeout: "⌛"
        case .unsupported, .skipped: "➖"
        }
    }

    /// The failing cells once per mechanism, with their evidence folded; cells no
    /// mechanism explains one by one.
    private func failureGroups(_ report: Report, groups: [FindingGroup], detail: Detail) -> [String] {
        let failing = report.failures
        guard !failing.isEmpty else { return [] }
        var lines = ["", "### Failures (\(failing.count))", ""]
        var explained = Set<String>()
        func evidence(_ cells: [CellResult]) -> [String] {
            guard detail != .brief else { return [] }
            var lines = ["", "  <details><summary>evidence of \(cells.count) cell\(cells.count == 1 ? "" : "s")</summary>", ""]
            for cell in cells {
                lines.append("  \(label(cell, in: report)) **\(cell.outcome.rawValue)**:")
                lines.append("")
                lines += Self.fenced(CellEvidence.lines(cell), info: "text").map { "  " + $0 }
                lines.append("")
            }
            return lines + ["  </details>", ""]
        }
        for group in groups {
            let cells = group.findings.flatMap { finding in
                let names = Set(finding.evidence)
                return failing.filter { $0.runtime == finding.runtime && names.contains($0.name) }
            }
            guard !cells.isEmpty else { continue }
            // A cell two mechanisms explain shows its evidence once, under the first.
            let unseen = cells.filter { !explained.contains("\($0.runtime)\u{0}\($0.name)") }
            explained.formUnion(cells.map { "\($0.runtime)\u{0}\($0.name)" })
            let spans = group.findings.map { finding in
                let names = Set(finding.evidence)
                return Self.runtimeName(finding.runtime, inTable: false) + ": " + Self.text(CellSpan.describe(cells.filter { $0.runtime == finding.runtime && names.contains($0.name) }))
            }
            lines.append("- \(Self.symbol(.failed)) **\(Self.text(group.headline))**: \(spans.joined(separator: "; "))")
            if !unseen.isEmpty { lines += evidence(unseen) } else { lines.append("") }
        }
        let rest = failing.filter { !explained.contains("\($0.runtime)\u{0}\($0.name)") }
        let listed = detail == .brief ? Array(rest.prefix(Self.briefCells)) : rest
        for cell in listed {
            lines.append("- \(Self.symbol(cell.outcome)) \(label(cell, in: report)) **\(cell.outcome.rawValue)**: \(Self.text(CellEvidence.summary(cell)))")
            lines += evidence([cell])
        }
        if lines.last == "" { lines.removeLast() }
        if listed.count < rest.count { lines.append("- … and \(rest.count - listed.count) more (see the JSON report)") }
        return lines
    }

    private func label(_ cell: CellResult, in report: Report) -> String {
        (report.runtimes.count > 1 ? "\(Self.runtimeName(cell.runtime, inTable: false)) " : "") + Self.code(cell.name, inTable: false)
    }

    /// The unsupported and skipped cells, grouped by their reason.
    private func notProbed(_ report: Report, detail: Detail) -> [String] {
        let other = report.cells.filter { $0.outcome == .unsupported || $0.outcome == .skipped }
        guard !other.isEmpty else { return [] }
        var lines = ["", "### Not probed (\(other.count))", ""]
        var groups: [(key: String, cells: [CellResult])] = []
        for cell in other {
            let key = "\(cell.outcome.rawValue): \(cell.reason ?? "no reason recorded")"
            if let index = groups.firstIndex(where: { $0.key == key }) { groups[index].cells.append(cell) } else { groups.append((key, [cell])) }
        }
        for group in groups {
            let cells = detail == .brief && group.cells.count > 8 ? Array(group.cells.prefix(8)) : group.cells
            let more = group.cells.count - cells.count
            lines.append("- \(Self.symbol(.unsupported)) \(Self.text(group.key)): \(cells.map { label($0, in: report) }.joined(separator: ", "))\(more > 0 ? " and \(more) more" : "")")
        }
        return lines
    }

    // MARK: Sections

    private func hostTable(_ hosts: [MergedHost], merged: Bool) -> [String] {
        func row(_ label: String, _ value: (MergedHost) -> String) -> [String] {
            [label] + hosts.map(value)
        }
        var rows: [[String]] = [
            row("kernel") { Self.text($0.environment.kernelRelease) },
            row("`tcp_fastopen`") { $0.environment.tcpFastopen.map { "\($0) (0x\(String($0, radix: 16)))" } ?? "unreadable" },
            row("`TCP_FASTOPEN_CONNECT`") { Self.text($0.environment.tcpFastOpenConnect.description) },
            row("IPv6 loopback") { $0.environment.ipv6Loopback ? "yes" : "no: \(Self.text($0.environment.ipv6LoopbackReason ?? ""))" },
            row("capabilities") { host in
                let relevant = host.environment.relevantCapabilities
                return relevant.keys.sorted().map { "\($0)=\(relevant[$0]! ? "yes" : "no")" }.joined(separator: " ")
            },
            row("tool") { "tlsprobe \(Self.text($0.toolVersion))" },
        ]
        if merged {
            rows.append(row("report") { $0.source.map { Self.code(PathShortener.shorten($0)) } ?? "-" })
        }
        return Self.table(header: ["host"] + hosts.map { Self.code($0.name) }, rows: rows)
    }

    /// Narrow enough for a comment: the headers' version and the library's path follow
    /// the table, paths shortened.
    private func runtimeTable(_ runtimes: [RuntimeSummary]) -> [String] {
        let header = ["runtime", "OpenSSL", "ABI", "owns BIO data", "`BIO_SOCK_TFO`", "accounted", "proxy-core picks"]
        let rows = runtimes.map { runtime -> [String] in
            guard let ssl = runtime.openSSL, runtime.error == nil else {
                return [Self.runtimeName(runtime.name), "**unusable:** \(Self.text(runtime.error ?? "no worker started"))", "-", "-", "-", "-", "-"]
            }
            return [Self.runtimeName(runtime.name), Self.text(ssl.runtimeVersion), runtime.libssl.map { Self.code($0) } ?? "unknown",
                    ssl.socketBIOOwnsData ? "yes" : "no", ssl.nativeTFO ? "yes" : "no",
                    runtime.memoryAccounting == true ? "yes" : "no",
                    "\(Self.text(runtime.policyTFOOff?.rawValue ?? "?")) / \(Self.text(runtime.policyTFOOn?.rawValue ?? "?"))"]
        }
        var lines = Self.table(header: header, rows: rows)
        lines.append("")
        for runtime in runtimes {
            guard let ssl = runtime.openSSL, runtime.error == nil else { continue }
            lines.append("- \(Self.runtimeName(runtime.name, inTable: false)): \(Self.text(ssl.runtimeVersionText)) from \(Self.code(PathShortener.shorten(ssl.libsslPath ?? "unknown path"), inTable: false)), built with \(Self.text(ssl.headerVersionText)) headers")
        }
        lines.append("")
        lines.append("*owns BIO data*: the socket BIO keeps its own struct in the BIO data pointer (OpenSSL 3.2+). *proxy-core picks*: its strategy with TFO off / on.")
        return lines
    }

    private func matrix(_ runtime: RuntimeSummary, cells: [CellResult]) -> [String] {
        guard let ssl = runtime.openSSL, runtime.error == nil else {
            return ["#### \(Self.runtimeName(runtime.name, inTable: false)): unusable", "",
                    Self.text(runtime.error ?? "no worker started")]
        }
        var lines = ["#### \(Self.runtimeName(runtime.name, inTable: false)): \(Self.text(ssl.runtimeVersionText))", ""]
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
    /// A runtime's name as code, a folder shortened as a bug report publishes it (`<cache>/runtimes/trixie`).
    static func runtimeName(_ name: String, inTable: Bool = true) -> String {
        code(PathShortener.shorten(name), inTable: inTable)
    }

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

extension MarkdownRenderer {
    /// A plug-in's file, or for one of several ABI builds each build with the libssl it is for.
    static func pluginFiles(_ plugin: BIOPluginSpec) -> String {
        guard plugin.choosesByABI else { return code(PathShortener.shorten(plugin.path)) }
        return plugin.files.map { "\(code(PathShortener.shorten($0.path))) (\($0.libssl ?? "no OpenSSL ABI"))" }.joined(separator: "<br>")
    }
}
