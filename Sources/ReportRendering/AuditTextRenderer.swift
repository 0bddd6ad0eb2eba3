import AuditClassification
import BinaryAudit
import MatrixAnalysis


/// The terminal view of an audit: the verdict, one row per file with findings
/// (every class but `no-custom-bio` and `not-openssl`, which are only counted),
/// what each class present means, the count per class and what was skipped, and
/// the verdict again.
///
/// By default rows fit `width` columns (80): a path too long keeps its end (the
/// file's name) behind `…`, and the evidence is cut with `…`; `wide` shows
/// everything and the full evidence. Every string from the files (paths,
/// sonames, version strings) goes through `TerminalText.escape`.
package struct AuditTextRenderer: Sendable {
    package var color: Bool
    package var wide: Bool
    package var width: Int

    package init(color: Bool, wide: Bool = false, width: Int = 80) {
        self.color = color
        self.wide = wide
        self.width = max(width, 60)
    }

    package func render(_ report: AuditReport) -> String {
        var lines = verdict(report)
        lines.append("")
        let read = report.files.count - report.summary[AuditClass.error, default: 0]
        let inputs = report.inputs.count == 1 ? t(report.inputs[0]) : "\(report.inputs.count) paths"
        lines += wrap("tlsprobe \(t(report.toolVersion)) audit of \(inputs): \(read) ELF file\(read == 1 ? "" : "s") read by \(report.readers) reader\(report.readers == 1 ? "" : "s") in \(Self.seconds(report.durationMilliseconds))")
        if let query = report.query {
            // Which state of which archive "every package" meant.
            let how = query.rdepends.map { "every package whose Depends or Pre-Depends names \($0)" } ?? "the packages named"
            lines += wrap("Debian \(t(query.suite))/\(t(query.architecture)) from \(t(query.mirror)), index of \(t(query.indexDate)): \(t(how)), \(query.selected) package\(query.selected == 1 ? "" : "s") (here \(query.cached) from the cache, \(query.downloaded) downloaded)")
        }
        let findings = report.files.filter(\.class.isFinding)
        lines.append("")
        if report.files.isEmpty {
            lines.append("No ELF file was found: nothing was audited.")
        } else if findings.isEmpty {
            lines.append("No findings: every ELF file is \(AuditClass.noCustomBIO.rawValue) or \(AuditClass.notOpenSSL.rawValue).")
        } else {
            lines += table(AuditInputGroup.groups(findings, inputs: report.inputs))
            // The columns in words: `SSL 3` and `data set+get` alone were cryptic.
            lines += wrap("OPENSSL: the OpenSSL it links (-: none, or linked in); EVIDENCE: the methods it copies with BIO_meth_get_* and where it keeps its state (data: BIO_set_data/BIO_get_data)" + (wide ? "" : "; cut to fit: --wide shows all"), indent: "  ")
            lines.append("")
            // Once per class found, not per file: what it means, then what its owner does about it.
            for auditClass in AuditClass.allCases where findings.contains(where: { $0.class == auditClass }) {
                lines += wrap("\(auditClass.rawValue): \(auditClass.meaning)", indent: "  ")
                let advice = t(auditClass.advice)
                lines += wide ? ["  what to do: " + advice] : TextWrap.lines(advice, width: width, first: "  what to do: ", indent: "    ")
            }
        }
        lines.append("")
        let counts = AuditClass.allCases.map { "\(report.summary[$0, default: 0]) \($0.rawValue)" }
        lines += wrap("\(report.files.count) file\(report.files.count == 1 ? "" : "s"): \(counts.joined(separator: ", "))", indent: "  ")
        lines += wrap("skipped: " + Self.skipped(report.skipped), indent: "  ")
        if let failOn = report.failOn {
            let failing = report.failing.count
            lines += wrap("--fail-on \(failOn.rawValue): \(failing == 0 ? "no file fails" : "\(failing) file\(failing == 1 ? "" : "s") fail")", indent: "  ")
        }
        lines.append("")
        lines += verdict(report)
        return TextWrap.document(lines)
    }

    /// The verdict alone, for `--quiet`.
    package func renderVerdict(_ report: AuditReport) -> String {
        AuditTextRenderer(color: color, wide: true, width: width).verdict(report).joined(separator: "\n") + "\n"
    }

    private func verdict(_ report: AuditReport) -> [String] {
        let bad = report.verdict.hasPrefix("AFFECTED") || report.verdict.hasPrefix("nothing audited")
        return TextWrap.verdict(wrap("Verdict: " + t(report.verdict), indent: "  "), bad: bad, color: color)
    }

    /// `140 not ELF, 904 symlinks (…)`.
    static func skipped(_ skipped: AuditSkipped) -> String {
        var parts = ["\(skipped.notELF) not ELF"]
        let links = skipped.symlinksWithinTree + skipped.symlinksOutOfTree + skipped.danglingSymlinks + skipped.symlinkLoops
            + skipped.memberSymlinks
        // Out of the tree is the count a reader looks for after a folder walk; after
        // archives only (no tree walked, no symlink met in one) it would be a 0 that says nothing.
        let treeLinks = links - skipped.memberSymlinks
        var kinds = treeLinks == 0 && skipped.memberSymlinks > 0 ? [] : ["\(skipped.symlinksOutOfTree) leading out of the tree"]
        if skipped.danglingSymlinks > 0 { kinds.append("\(skipped.danglingSymlinks) dangling") }
        if skipped.symlinkLoops > 0 { kinds.append("\(skipped.symlinkLoops) looping back") }
        if skipped.memberSymlinks > 0 { kinds.append("\(skipped.memberSymlinks) inside archives") }
        parts.append("\(links) symlink\(links == 1 ? "" : "s"), never followed (\(kinds.joined(separator: ", ")))")
        if skipped.hardLinks > 0 { parts.append("\(skipped.hardLinks) hard link\(skipped.hardLinks == 1 ? "" : "s") inside archives") }
        if skipped.unsafeNames > 0 {
            parts.append("\(skipped.unsafeNames) archive member\(skipped.unsafeNames == 1 ? "" : "s") with an absolute or '..' name, never read")
        }
        if skipped.removedByLaterLayer > 0 { parts.append("\(skipped.removedByLaterLayer) removed by a later layer") }
        if skipped.sparseMembers > 0 { parts.append("\(skipped.sparseMembers) sparse archive member\(skipped.sparseMembers == 1 ? "" : "s")") }
        if skipped.specialFiles > 0 { parts.append("\(skipped.specialFiles) special files") }
        if skipped.duplicates > 0 { parts.append("\(skipped.duplicates) reached twice") }
        return parts.joined(separator: ", ")
    }

    static func seconds(_ milliseconds: Double) -> String {
        milliseconds < 1000 ? "\(Int(milliseconds.rounded())) ms" : String(format: "%.2f s", milliseconds / 1000)
    }

    // MARK: The table

    /// One table, its rows grouped under the path or package they were found in,
    /// each row's FILE relative to that.
    private func table(_ groups: [AuditInputGroup]) -> [String] {
        let rows = groups.map { group in
            group.files.map { file in
                [file.class.rawValue, file.elf.openSSLLines.isEmpty ? "-" : file.elf.openSSLLines.map { $0 + ".x" }.joined(separator: ","),
                 t(group.relative(file)), t(AuditEvidence.summary(file))]
            }
        }
        let titles = ["CLASS", "OPENSSL", "FILE", "EVIDENCE"]
        var widths = titles.indices.map { column in (rows.joined().map { $0[column].count } + [titles[column].count]).max() ?? 0 }
        let rest = width - widths[0] - widths[1] - 3 * 2
        if !wide && widths[2] + widths[3] > rest {
            // FILE and EVIDENCE share what CLASS and SSL leave: FILE takes what it needs
            // but leaves the evidence 33 columns, and never has fewer than 16 itself.
            widths[2] = min(widths[2], max(16, rest - min(widths[3], 33)))
            widths[3] = max(10, rest - widths[2])
        }
        func line(_ fields: [String], auditClass: AuditClass?) -> String {
            fields.enumerated().map { index, field in
                var value = field
                if !wide && index == 2 { value = Self.keepEnd(value, width: widths[2]) }
                if !wide && index == 3 { value = Self.keepStart(value, width: widths[3]) }
                let padded = index == fields.count - 1 ? value : value.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                return index == 0 && auditClass != nil ? paint(auditClass!, padded) : padded
            }.joined(separator: "  ")
        }
        var lines = [line(titles, auditClass: nil)]
        for (group, groupRows) in zip(groups, rows) {
            if let image = group.image, let path = group.name {
                // `[layer 2/3 sha256:0123456789ab of proxy:1.4] proxy.tar`: what to rebuild, then the file.
                let label = "[" + t(image.description) + "]"
                lines.append(label + " " + (wide ? t(path) : Self.keepEnd(t(path), width: max(16, width - label.count - 1))))
            } else if let info = group.packageInfo, let path = group.name {
                // `[libpq5 15.20-0+deb12u1] debs/libpq5_15.20-0+deb12u1_amd64.deb`: who to tell first, then the file.
                let label = "[" + t(info.nameAndVersion) + "]"
                lines.append(label + " " + (wide ? t(path) : Self.keepEnd(t(path), width: max(16, width - label.count - 1))))
            } else if groups.count > 1 || group.name != nil {
                let name = t(group.name ?? "other files")
                lines.append("[" + (wide ? name : Self.keepEnd(name, width: width - 2)) + "]")
            }
            lines += zip(groupRows, group.files).map { line($0, auditClass: $1.class) }
        }
        return lines
    }

    /// `…/libpq.so.5.15`: a path too long for its column keeps the file's name,
    /// whole when it fits, else its end.
    static func keepEnd(_ text: String, width: Int) -> String {
        guard text.count > width else { return text }
        let name = text.split(separator: "/").last.map(String.init) ?? text
        return name.count + 2 <= width ? "…/" + name : "…" + String(text.suffix(width - 1))
    }

    static func keepStart(_ text: String, width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    private func paint(_ auditClass: AuditClass, _ text: String) -> String {
        guard color else { return text }
        let code: String
        switch auditClass {
        case .affectedPattern, .error: code = "31"
        case .inheritsSocketBIO, .embeddedOpenSSL: code = "33"
        case .ownBIO, .noCustomBIO: code = "32"
        case .notOpenSSL: return text
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    // MARK: Text

    private func t(_ text: String) -> String {
        TerminalText.escape(text)
    }

    /// `text` in lines of at most `width` columns, broken at spaces; `wide` leaves it one line.
    private func wrap(_ text: String, indent: String = "  ") -> [String] {
        wide ? [text] : TextWrap.lines(text, width: width, indent: indent)
    }
}
