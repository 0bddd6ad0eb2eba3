import AuditClassification
import BinaryAudit
import MatrixAnalysis


/// An audit as GitHub-flavoured Markdown, for a bug report or a distribution's
/// tracker: the verdict as the title, the count per class with what each means,
/// a table of the files with findings (failures marked ✗), the full evidence of
/// each folded in `<details>`, and how the audit was run.
///
/// Like the matrix's report it never exceeds GitHub's 65,536-character limit:
/// past it the per-file evidence goes first, then rows of the least worrying
/// classes, and the report says so. Paths, sonames and version strings come from
/// the files audited and are escaped with `MarkdownRenderer`'s helpers.
package struct AuditMarkdownRenderer: Sendable {
    package init() {}

    package func render(_ report: AuditReport) -> String {
        let findings = report.files.filter(\.class.isFinding).sorted { $0.class < $1.class }
        let full = document(report, findings: findings, details: true, rows: findings.count)
        if full.utf8.count <= MarkdownRenderer.limit { return full }
        var rows = findings.count
        while rows > 0 {
            let brief = document(report, findings: findings, details: false, rows: rows)
            if brief.utf8.count <= MarkdownRenderer.limit { return brief }
            rows = rows > 200 ? rows / 2 : rows - 20
        }
        return document(report, findings: findings, details: false, rows: 0)
    }

    private func document(_ report: AuditReport, findings: [AuditedFile], details: Bool, rows: Int) -> String {
        var lines: [String] = []
        let affected = report.summary[AuditClass.affectedPattern, default: 0]
        let inherits = report.summary[AuditClass.inheritsSocketBIO, default: 0]
        let title = report.files.isEmpty ? "nothing audited" : affected > 0 ? "AFFECTED" : inherits > 0 ? "not affected, deprecated API in use" : "not affected"
        lines.append("# tlsprobe audit: \(title)")
        lines.append("")
        lines.append("**Verdict:** \(MarkdownRenderer.text(report.verdict))")
        lines.append("")
        lines += MarkdownRenderer.table(header: ["class", "files", "meaning"], rows: AuditClass.allCases.map { auditClass in
            [MarkdownRenderer.code(auditClass.rawValue), String(report.summary[auditClass, default: 0]),
             MarkdownRenderer.text(auditClass.meaning)]
        }, rightAligned: [1])
        lines.append("")
        if let failOn = report.failOn {
            let failing = report.failing.count
            lines.append("`--fail-on \(failOn.rawValue)`: \(failing == 0 ? "no file fails" : "\(failing) file\(failing == 1 ? "" : "s") fail (✗)").")
            lines.append("")
        }

        lines.append("## Files with findings")
        lines.append("")
        if report.files.isEmpty {
            lines.append("None: no ELF file was found, so nothing was audited.")
        } else if findings.isEmpty {
            lines.append("None: every ELF file is `no-custom-bio` or `not-openssl`.")
        } else {
            let shown = findings.prefix(rows)
            // A package column, `libpq5` 15.20-0+deb12u1, when a finding came from a `.deb`: whom a packager tells.
            // For a file of a saved container image, the image and layer in that column: what an operator rebuilds.
            let packages = findings.contains { $0.packageInfo != nil || $0.image != nil }
            // The failure mark goes in the class cell: a column of its own was empty but for `--fail-on`.
            lines += MarkdownRenderer.table(header: ["class"] + (packages ? ["package"] : []) + ["file", "OpenSSL", "symbol versions", "evidence"],
                                            rows: shown.map { file in
                [(report.isFailure(file) ? "✗ " : (file.class == .error ? "? " : "")) + MarkdownRenderer.code(file.class.rawValue)]
                + (packages ? [Self.owner(file)] : [])
                + [MarkdownRenderer.code(file.path),
                   file.elf.needs.map { MarkdownRenderer.code($0) }.joined(separator: " "),
                   file.elf.symbolVersions.map { MarkdownRenderer.code($0) }.joined(separator: " "),
                   MarkdownRenderer.text(AuditEvidence.summary(file))]
            })
            if shown.count < findings.count {
                lines.append("")
                lines.append("… and \(findings.count - shown.count) more (\(Self.classCounts(findings.dropFirst(shown.count)))): this report stays under GitHub's \(MarkdownRenderer.limit)-character limit; `tlsprobe audit --format json` lists every file.")
            }
            lines.append("")
            lines.append("### What to do")
            lines.append("")
            // Once per class found, not per file.
            for auditClass in AuditClass.allCases where findings.contains(where: { $0.class == auditClass }) {
                lines.append("- \(MarkdownRenderer.code(auditClass.rawValue, inTable: false)): \(Self.prose(auditClass.advice))")
            }
            if details {
                lines.append("")
                lines.append("<details><summary>Evidence per file</summary>")
                lines.append("")
                for file in findings {
                    lines.append("**\(MarkdownRenderer.code(file.path, inTable: false))**")
                    lines.append("")
                    lines += MarkdownRenderer.fenced(AuditEvidence.lines(file), info: "text")
                    lines.append("")
                }
                lines.append("</details>")
            } else if shown.count == findings.count {
                lines.append("")
                lines.append("Per-file evidence left out to stay under GitHub's \(MarkdownRenderer.limit)-character limit: `tlsprobe audit --format json` has it.")
            }
        }
        lines.append("")
        lines.append("## How it was run")
        lines.append("")
        lines += MarkdownRenderer.table(header: ["", ""], rows: [
            ["tool", "tlsprobe \(MarkdownRenderer.text(report.toolVersion))"],
            ["date", MarkdownRenderer.text(report.generatedAt)],
            ["host", MarkdownRenderer.text(report.hostname)],
            ["inputs", report.inputs.map { MarkdownRenderer.code($0) }.joined(separator: " ")],
            ["read", "\(report.files.count) files by \(report.readers) readers in \(AuditTextRenderer.seconds(report.durationMilliseconds))"],
            ["skipped", MarkdownRenderer.text(AuditTextRenderer.skipped(report.skipped))],
        ])
        lines.append("")
        lines += MarkdownRenderer.fenced([MarkdownRenderer.shellCommand(report.command)], info: "sh")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The tool's own advice as Markdown: its `backticked` parts as code, the rest escaped.
    static func prose(_ text: String) -> String {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().map { index, part in
            index % 2 == 1 ? MarkdownRenderer.code(String(part), inTable: false) : MarkdownRenderer.text(String(part))
        }.joined()
    }

    /// The package column: `libpq5` 15.20-0+deb12u1, or for a file of a saved image `proxy:1.4` layer 2/3 sha256:….
    static func owner(_ file: AuditedFile) -> String {
        if let info = file.packageInfo { return MarkdownRenderer.code(info.name) + " " + MarkdownRenderer.text(info.version) }
        if let image = file.image {
            return MarkdownRenderer.code(image.image) + " " + MarkdownRenderer.text("layer \(image.layer)/\(image.layers) \(image.digest)")
        }
        return ""
    }

    /// `3 own-bio, 40 no-custom-bio`.
    private static func classCounts(_ files: ArraySlice<AuditedFile>) -> String {
        AuditClass.allCases.compactMap { auditClass in
            let count = files.filter { $0.class == auditClass }.count
            return count == 0 ? nil : "\(count) \(auditClass.rawValue)"
        }.joined(separator: ", ")
    }
}
