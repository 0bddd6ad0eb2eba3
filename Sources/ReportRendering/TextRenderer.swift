import Foundation
import MatrixAnalysis
import MatrixModel
import ProxyCore
import ToolCore

/// The terminal view of a report, short enough to read whole: the verdict with a line
/// per design, the runtimes, the pivot of every mode on every runtime, the failures
/// grouped by mechanism with what to do about each, the cells that could not run, and
/// the verdict's title again. `cells` adds the full diagnosis, every failing cell with
/// its reason and one table per runtime.
///
/// By default it fits `width` columns (80): the table keeps the columns a reader
/// needs to see the mechanism and prose is wrapped; `wide` shows every column (and the
/// cells). Every string that came from outside the renderer goes through
/// `TerminalText.escape` (`t`), so no value can move the cursor or forge a line.
package struct TextRenderer: Sendable {
    /// ANSI colour on outcomes and the verdict; the CLI decides (`--color`, `NO_COLOR`, `TERM=dumb`).
    package var color: Bool
    /// Every column, unwrapped (the layout before 80 columns were the default); implies `cells`.
    package var wide: Bool
    /// The per-cell detail too: the full diagnosis, each failing cell, one table per runtime.
    package var cells: Bool
    /// Where prose wraps.
    package var width: Int

    package init(color: Bool, wide: Bool = false, cells: Bool = false, width: Int = 80) {
        self.color = color
        self.wide = wide
        self.cells = cells || wide
        self.width = max(width, 40)
    }

    /// `hosts`: a merged report's hosts, named first since the header below knows one environment.
    package func render(_ report: Report, hosts: [MergedHost] = []) -> String {
        var lines: [String] = []
        lines += verdict(report, withLines: true)
        lines.append("")
        if !hosts.isEmpty {
            lines.append("merged from \(hosts.count) report\(hosts.count == 1 ? "" : "s"):")
            for host in hosts {
                let tfo = host.environment.tcpFastopen.map(String.init) ?? "unreadable"
                lines += wrap("\(t(host.name)): kernel \(t(host.environment.kernelRelease)) · tcp_fastopen=\(tfo) · \(t(host.generatedAt)) · \(t(host.source ?? "-"))", first: "  ", indent: "    ")
            }
        }
        let env = report.environment
        lines.append("tlsprobe \(t(report.toolVersion)) · kernel \(t(env.kernelRelease)) · tcp_fastopen=\(env.tcpFastopen.map(String.init) ?? "unreadable")")
        for runtime in report.runtimes {
            lines += cells ? header(runtime) : summary(runtime)
        }
        for plugin in report.plugins ?? [] {
            let note = plugin.note.map { " · \(t($0))" } ?? ""
            let audit = "audit: \(t(plugin.auditClass?.rawValue ?? "unreadable"))\(note)"
            guard plugin.choosesByABI else {
                lines += wrap("plug-in \(t(plugin.mode.rawValue)): \(t(PathShortener.shorten(plugin.path))) · \(audit)", indent: "  ")
                continue
            }
            // One line per build, by the ABI it serves: the given list joined by commas says neither.
            lines += wrap("plug-in \(t(plugin.mode.rawValue)): \(plugin.files.count) builds, one per ABI · \(audit)", indent: "  ")
            for build in plugin.files {
                lines += wrap("\(build.libssl ?? "no OpenSSL ABI"): \(t(PathShortener.shorten(build.path)))", first: "  ", indent: "    ")
            }
        }

        if report.cells.allSatisfy({ $0.outcome == .skipped }) {
            lines += ["", "Nothing probed: every cell was skipped (the reasons are below)."]
        } else {
            lines.append("")
            lines += pivot(report)
            lines += failureGroups(report)
        }
        lines += notRun(report)

        if cells {
            lines += diagnosisInFull(report)
            lines += failingCells(report)
            for runtime in report.runtimes where runtime.error == nil {
                let mine = report.cells.filter { $0.runtime == runtime.name }
                let namespaces = mine.map(\.namespaceLabel).uniqued()
                for namespace in namespaces {
                    lines.append("")
                    if report.runtimes.count > 1 || namespaces.count > 1 || mine.first?.privateNamespace == true {
                        lines += wrap("[\(runtimeName(runtime.name))] \(t(runtime.openSSL?.runtimeVersionText ?? "")) · \(namespace)")
                    }
                    lines += table(mine.filter { $0.namespaceLabel == namespace })
                }
            }
        }
        lines.append("")
        let counts = Outcome.allCases.compactMap { outcome in
            report.summary[outcome].map { "\($0) \(outcome.rawValue)" }
        }
        lines += wrap("\(report.cells.count) cells: \(counts.joined(separator: ", "))" + (cells ? "." : " · evidence: --cells"))
        if cells {
            lines += observers(report)
            lines += verdict(report, withLines: false)
        }
        return TextWrap.document(lines)
    }

    // MARK: The short report's sections

    /// One line per runtime: what it is and the two facts that decide the regression.
    private func summary(_ runtime: RuntimeSummary) -> [String] {
        if let error = runtime.error {
            return wrap("\(runtimeName(runtime.name)): UNUSABLE: \(t(error))", first: "  ", indent: "    ")
        }
        guard let ssl = runtime.openSSL else {
            return wrap("\(runtimeName(runtime.name)): not probed (every cell skipped)", first: "  ", indent: "    ")
        }
        return wrap("\(runtimeName(runtime.name)): OpenSSL \(t(ssl.runtimeVersion)) \(t(runtime.libssl ?? "(ABI unknown)")) · owns BIO data: \(ssl.socketBIOOwnsData ? "yes" : "no") · BIO_SOCK_TFO: \(ssl.nativeTFO ? "yes" : "no")\(runtime.memoryAccounting == true ? "" : " · allocations not accounted")",
                    first: "  ", indent: "    ")
    }

    /// Marks that differ at a glance, even without colour.
    static func mark(_ outcome: Outcome) -> String {
        switch outcome {
        case .ok: "✓"
        case .failed: "X"
        case .crashed: "!"
        case .timeout: "T"
        case .unsupported, .skipped: "·"
        }
    }

    /// The pivot, as many runtime columns at a time as fit `width`.
    private func pivot(_ report: Report) -> [String] {
        let pivot = Pivot(report)
        guard !pivot.columns.isEmpty else { return [] }
        let labels = pivot.rows.map { t($0.mode.rawValue) }
        let labelWidth = max(4, labels.map(\.count).max() ?? 0)
        // A runtime given as a folder is named by its shortened path, and by its end if even that is too long.
        let room = wide ? Int.max : width - labelWidth - 2
        let titles = pivot.columns.map { column in
            let title = runtimeName(column.runtime) + " " + t(column.version)
                + (pivot.namespaced ? " tfo=\(column.kernelTFO.map(String.init) ?? "?")" : "")
            return title.count <= room ? title : "…" + title.suffix(room - 1)
        }
        let entries = pivot.rows.map { row in
            row.entries.map { Pivot.entry($0, mark: Self.mark, separator: "/", empty: "") }
        }
        let widths = pivot.columns.indices.map { index in
            ([titles[index]] + entries.map { $0[index] }).map(\.count).max() ?? 0
        }
        var lines: [String] = []
        var start = 0
        while start < pivot.columns.count {
            var end = start + 1, used = labelWidth + 2 + widths[start]
            while end < pivot.columns.count, wide || used + 2 + widths[end] <= width {
                used += 2 + widths[end]
                end += 1
            }
            if start > 0 { lines.append("") }
            let range = start..<end
            lines.append((["MODE".padding(toLength: labelWidth, withPad: " ", startingAt: 0)]
                + range.map { titles[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }).joined(separator: "  ").trailingSpaceTrimmed)
            for (row, label) in zip(entries, labels) {
                let fields = range.map { index in paintMarks(row[index].padding(toLength: widths[index], withPad: " ", startingAt: 0)) }
                lines.append(([label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)] + fields).joined(separator: "  ").trailingSpaceTrimmed)
            }
            start = end
        }
        let order = "TFO off v4 v6, on v4 v6" + (pivot.hasTeardown ? " / teardown" : "")
        lines += wrap("\(order): ✓ ok X failed ! crashed T timeout · n/a")
        return lines
    }

    /// The failures once per mechanism, with the cells it covers and what to do; failing
    /// cells no mechanism explains are listed one by one.
    private func failureGroups(_ report: Report) -> [String] {
        let failures = report.failures
        guard !failures.isEmpty else { return ["", "No failures."] }
        let groups = FindingGroup.groups(report.diagnosis)
        var lines = ["", "Failures: \(failures.count) cell\(failures.count == 1 ? "" : "s")" + (groups.isEmpty ? "" : ", \(groups.count) mechanism\(groups.count == 1 ? "" : "s") (working BIOs: examples/bio-plugins)")]
        var explained = Set<String>()
        for group in groups {
            lines += wrap("\(paint(.failed, "X")) \(t(group.headline)) on \(t(runtimeList(group.runtimes, in: report, brief: true)))",
                          first: "", indent: "  ", visibleExtra: paintOverhead(.failed))
            var spans: [String] = []
            for finding in group.findings {
                let names = Set(finding.evidence)
                explained.formUnion(finding.evidence.map { "\(finding.runtime)\u{0}\($0)" })
                let mine = report.cells.filter { $0.runtime == finding.runtime && names.contains($0.name) }
                spans.append((group.findings.count > 1 ? "[\(runtimeName(finding.runtime))] " : "") + CellSpan.describe(mine))
            }
            lines += wrap("cells: " + t(spans.joined(separator: "; ")), first: "  ", indent: "    ")
            lines += wrap("to fix: " + t(group.briefAdvice), first: "  ", indent: "    ")
        }
        let unexplained = failures.filter { !explained.contains("\($0.runtime)\u{0}\($0.name)") }
        let shown = cells ? [] : unexplained.prefix(8)
        for cell in shown {
            lines += wrap("\(paint(cell.outcome, Self.mark(cell.outcome))) \(label(cell, in: report)): \(t(cell.reason ?? "no reason recorded"))",
                          first: "", indent: "  ", visibleExtra: paintOverhead(cell.outcome))
        }
        if unexplained.count > shown.count && !cells { lines.append("… and \(unexplained.count - shown.count) more: --cells") }
        return lines
    }

    /// The cells that could not run, once per reason.
    private func notRun(_ report: Report) -> [String] {
        let other = report.cells.filter { $0.outcome == .unsupported || $0.outcome == .skipped }
        guard !other.isEmpty else { return [] }
        var groups: [(key: String, cells: [CellResult])] = []
        for cell in other {
            let key = "\(cell.outcome.rawValue): \(cell.reason ?? "no reason recorded")"
            if let index = groups.firstIndex(where: { $0.key == key }) { groups[index].cells.append(cell) } else { groups.append((key, [cell])) }
        }
        var lines = [""]
        for group in groups {
            let runtimes = group.cells.map(\.runtime).uniqued()
            let which = report.runtimes.count > 1 ? " on \(runtimes.map(PathShortener.shorten).joined(separator: ", "))" : ""
            lines += wrap("· \(group.cells.count) \(t(group.key)) (\(t(CellSpan.describe(group.cells)))\(t(which)))", first: "", indent: "  ")
        }
        return lines
    }

    // MARK: The detail (`cells`)

    private func diagnosisInFull(_ report: Report) -> [String] {
        var lines: [String] = []
        for group in FindingGroup.groups(report.diagnosis) {
            lines.append("")
            lines += wrap("Diagnosis: \(t(group.headline)) on \(t(runtimeList(group.runtimes, in: report)))")
            for explanation in group.explanations {
                lines += wrap(t(explanation), first: "  ", indent: "  ")
            }
            for finding in group.findings {
                lines += wrap("Evidence [\(runtimeName(finding.runtime))]: \(t(finding.evidence.joined(separator: ", ")))", first: "  ", indent: "    ")
            }
            lines += wrap("What to do: \(t(group.advice))", first: "  ", indent: "    ")
            for fix in group.fixes {
                lines += wrap("tlsprobe's fix: \(t(fix))", first: "  ", indent: "    ")
            }
        }
        return lines
    }

    private func failingCells(_ report: Report) -> [String] {
        let failures = report.failures
        guard !failures.isEmpty else { return [] }
        var lines = ["", "Failing cells (\(failures.count)):"]
        for cell in failures {
            lines += wrap("\(paint(cell.outcome)) \(label(cell, in: report)): \(t(cell.reason ?? "no reason recorded"))",
                          first: "  ", indent: "    ", visibleExtra: paintOverhead(cell.outcome))
        }
        return lines
    }

    /// Who saw the FIRST WRITE column's calls: the libc boundary, a BIO's own record, or both.
    private func observers(_ report: Report) -> [String] {
        let written = report.cells.filter { $0.firstWrite != nil }
        guard !written.isEmpty else { return [] }
        let libc = written.filter { $0.firstWrite?.observedBy == .libcBoundary }
        let both = libc.filter { $0.bioFirstWrite != nil }
        var text = "FIRST WRITE: seen at the libc boundary in \(libc.count) of \(written.count) cells"
        if !both.isEmpty { text += ", where the BIO's own record \(both.contains { $0.observerConflict != nil } ? "DISAGREES in \(both.filter { $0.observerConflict != nil }.count)" : "agrees in all \(both.count)")" }
        if libc.count < written.count { text += "; as a BIO recorded it in \(written.count - libc.count)" }
        return wrap(text + ".")
    }

    /// The verdict's title alone and on one line, for `--quiet`: what a script greps or a person pastes.
    package func renderVerdict(_ report: Report) -> String {
        TextRenderer(color: color, wide: true, width: width).verdict(report, withLines: false).joined(separator: "\n") + "\n"
    }

    /// `Verdict: TITLE`, then (`withLines`) one bullet per design.
    private func verdict(_ report: Report, withLines: Bool) -> [String] {
        let bad = Self.isBad(report.verdict)
        var lines = TextWrap.verdict(wrap("Verdict: " + t(report.verdict), indent: "  "), bad: bad, color: color)
        if withLines {
            for line in report.verdictLines ?? [] {
                lines += wrap("- " + t(line), first: "  ", indent: "    ")
            }
        }
        return lines
    }

    /// Whether a verdict's title calls for red.
    static func isBad(_ title: String) -> Bool {
        title.hasPrefix("AFFECTED") || title.contains("FAILED") || title.hasPrefix("nothing probed")
    }

    private func header(_ runtime: RuntimeSummary) -> [String] {
        if let error = runtime.error {
            return wrap("runtime \(runtimeName(runtime.name)): UNUSABLE: \(t(error))", indent: "  ")
        }
        guard let ssl = runtime.openSSL else {
            return wrap("runtime \(runtimeName(runtime.name)): not probed (every cell skipped)", indent: "  ")
        }
        return wrap("runtime \(runtimeName(runtime.name)): \(t(ssl.runtimeVersionText)) (\(t(runtime.libssl ?? "ABI unknown"))) from \(t(PathShortener.shorten(ssl.libsslPath ?? "unknown path"))) (headers: \(t(ssl.headerVersionText)))", indent: "  ")
            + wrap("socket BIO owns its data pointer: \(ssl.socketBIOOwnsData ? "yes (3.2+ behaviour)" : "no") · native TFO: \(ssl.nativeTFO ? "yes" : "no") · allocations accounted: \(runtime.memoryAccounting == true ? "yes" : "no") · proxy-core picks \(t(runtime.policyTFOOff?.rawValue ?? "?")) (TFO off), \(t(runtime.policyTFOOn?.rawValue ?? "?")) (TFO on)", first: "  ", indent: "    ")
    }

    private func label(_ cell: CellResult, in report: Report) -> String {
        report.runtimes.count > 1 ? "[\(runtimeName(cell.runtime))] \(cell.name)" : cell.name
    }

    /// `OpenSSL 3.5.9 (trixie) and OpenSSL 3.6.5 (sid)`; `brief`: `3.5.9 (trixie) and 3.6.5 (sid)`.
    private func runtimeList(_ names: [String], in report: Report, brief: Bool = false) -> String {
        let items = names.map { name in
            let version = report.runtimes.first { $0.name == name }?.openSSL?.runtimeVersion
            return version.map { "\(brief ? "" : "OpenSSL ")\($0) (\(name))" } ?? name
        }
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    // MARK: The table

    private struct Column {
        let title: String
        let value: (CellResult) -> String
    }

    /// The 80-column set: enough to see the mechanism of every cell. `TFO` is what was
    /// asked for, with `*` when data really rode in the SYN; `FIRST WRITE` is the call,
    /// the address length passed against the family's, and its errno (EINPROGRESS, a
    /// queued TFO write, is left out here).
    private var columns: [Column] {
        if wide {
            return [
                Column(title: "MODE") { $0.mode.rawValue }, Column(title: "TFO") { $0.tfo.rawValue },
                Column(title: "FAMILY") { $0.family.rawValue }, Column(title: "PHASE") { $0.phase.rawValue },
                Column(title: "OUTCOME") { $0.outcome.rawValue }, Column(title: "FIRST WRITE") { Self.describe($0.firstWrite) },
                Column(title: "ERRNO") { $0.firstWrite?.errnoName ?? $0.errnoName ?? $0.signal ?? "-" },
                Column(title: "TLS") { $0.tlsVersion ?? "-" }, Column(title: "TFO DATA") { $0.tfoEvidence.tfoEffective.rawValue },
                Column(title: "OPENSSL MEMORY") { Self.describe($0.memory) },
                Column(title: "MS") { String(format: "%.1f", $0.durationMilliseconds) },
            ]
        }
        return [
            Column(title: "MODE") { $0.phase == .teardown ? "\($0.mode.rawValue)~" : $0.mode.rawValue },
            Column(title: "TFO") { $0.tfo.rawValue + ($0.tfoEvidence.tfoEffective == .yes ? "*" : "") },
            Column(title: "IP") { $0.family == .ipv4 ? "v4" : "v6" },
            Column(title: "OUTCOME") { $0.outcome.rawValue },
            Column(title: "FIRST WRITE") { Self.compact($0) },
            Column(title: "MEMORY") { Self.compact($0.memory) },
        ]
    }

    private func table(_ cells: [CellResult]) -> [String] {
        let columns = self.columns
        let rows = cells.map { cell in columns.map { t($0.value(cell)) } }
        let widths = columns.indices.map { column in
            ([columns[column].title] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        let outcomeColumn = columns.firstIndex { $0.title == "OUTCOME" }
        func line(_ fields: [String], outcome: Outcome?) -> String {
            fields.enumerated().map { index, field in
                let padded = field.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                return index == outcomeColumn && outcome != nil ? paint(outcome!, padded) : padded
            }.joined(separator: "  ")
        }
        var lines = [line(columns.map(\.title), outcome: nil)] + zip(rows, cells).map { line($0, outcome: $1.outcome) }
        if !wide {
            var legend: [String] = []
            if cells.contains(where: { $0.phase == .teardown }) { legend.append("~ teardown: released before the first write") }
            if cells.contains(where: { $0.tfoEvidence.tfoEffective == .yes }) { legend.append("* data rode in the SYN") }
            if !legend.isEmpty { lines.append(legend.joined(separator: " · ")) }
        }
        return lines
    }

    /// `sendto MSG_FASTOPEN addrlen 0/16`: what was passed against what the family needs.
    package static func describe(_ write: FirstWrite?) -> String {
        guard let write else { return "-" }
        var text = write.syscall.rawValue
        if !write.flags.isEmpty { text += " " + write.flags.joined(separator: "|") }
        if let length = write.addressLength { text += " addrlen \(length)/\(write.expectedAddressLength)" }
        return text
    }

    /// `sendto 0/16 EINVAL`, `write EPIPE`, `write`; the errno of a failed cell without a write.
    static func compact(_ cell: CellResult) -> String {
        guard let write = cell.firstWrite else { return cell.signal ?? cell.errnoName ?? "-" }
        var text = write.syscall.rawValue
        if let length = write.addressLength { text += " \(length)/\(write.expectedAddressLength)" }
        if let name = write.errnoName, name != "EINPROGRESS" { text += " \(name)" }
        return text
    }

    /// `clean`, `leak 1 (56 B)`, `foreign free 1`; `-` when not accounted.
    package static func describe(_ memory: MemoryEvidence?) -> String {
        guard let memory else { return "-" }
        if memory.isClean { return "clean" }
        var parts: [String] = []
        if memory.leakedAllocations > 0 { parts.append("leak \(memory.leakedAllocations) (\(memory.leakedBytes) B)") }
        if memory.foreignFrees > 0 { parts.append("foreign free \(memory.foreignFrees)") }
        return parts.joined(separator: ", ")
    }

    /// `clean`, `leak 2`, `foreign 1`, `leak+foreign`: the failure lines carry the counts.
    static func compact(_ memory: MemoryEvidence?) -> String {
        guard let memory else { return "-" }
        switch (memory.leakedAllocations > 0, memory.foreignFrees > 0) {
        case (false, false): return "clean"
        case (true, false): return "leak \(memory.leakedAllocations)"
        case (false, true): return "foreign \(memory.foreignFrees)"
        case (true, true): return "leak+foreign"
        }
    }

    // MARK: Text

    private func t(_ text: String) -> String {
        TerminalText.escape(text)
    }

    /// A runtime's name, a folder shortened as a report publishes it (`<cache>/runtimes/trixie`).
    private func runtimeName(_ name: String) -> String {
        t(PathShortener.shorten(name))
    }

    /// `text` in lines of at most `width` columns, broken at spaces: the first line
    /// starts with `first`, the rest with `indent`. `wide` leaves it one line.
    /// `visibleExtra`: invisible bytes (colour codes) the first line carries.
    private func wrap(_ text: String, first: String = "", indent: String = "  ", visibleExtra: Int = 0) -> [String] {
        wide ? [first + text] : TextWrap.lines(text, width: width, first: first, indent: indent, visibleExtra: visibleExtra)
    }

    /// A pivot entry with its ok marks in green and its failure marks in red.
    private func paintMarks(_ entry: String) -> String {
        guard color else { return entry }
        return entry.map { character -> String in
            switch String(character) {
            case Self.mark(.ok): paint(.ok, String(character))
            case Self.mark(.failed), Self.mark(.crashed), Self.mark(.timeout): paint(.failed, String(character))
            default: String(character)
            }
        }.joined()
    }

    private func paint(_ outcome: Outcome, _ text: String? = nil) -> String {
        let text = text ?? outcome.rawValue
        guard color else { return text }
        return "\u{1B}[\(Self.colorCode(outcome))m\(text)\u{1B}[0m"
    }

    private func paintOverhead(_ outcome: Outcome) -> Int {
        color ? "\u{1B}[\(Self.colorCode(outcome))m\u{1B}[0m".count : 0
    }

    private static func colorCode(_ outcome: Outcome) -> String {
        switch outcome {
        case .ok: "32"
        case .failed, .crashed, .timeout: "31"
        case .unsupported, .skipped: "33"
        }
    }
}

private extension String {
    var trailingSpaceTrimmed: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}

private extension CellResult {
    /// `tcp_fastopen=3 (private namespace)` or `tcp_fastopen=1 (host)`.
    var namespaceLabel: String {
        "tcp_fastopen=\(kernelTFO.map(String.init) ?? "?") (\(privateNamespace ? "private namespace" : "host"))"
    }
}
