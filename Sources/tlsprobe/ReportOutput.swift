import ArgumentParser
import BinaryAudit
import Foundation
import MatrixModel
import ProxyCore
import ReportRendering
import ToolCore

/// Where and how `matrix`, `gate`, `merge` and `audit` put a report.
///
/// Without `--output` the report goes to stdout in `--format`. With it, the file
/// gets `--format` and the terminal still gets the text rendering, so a CI log
/// shows the table while the artifact holds JSON, JUnit or Markdown. The file is
/// written to a temporary name in its own folder and renamed into place: a CI
/// artifact is never half-written, and an old one is replaced whole or not at all.
struct ReportOutput {
    var format: ReportFormat
    /// The `--output` file; `nil` or `-` for stdout.
    var output: String?
    /// How the text rendering looks on the terminal.
    var style = TextStyle()

    /// Checked before any probe runs, so a typo costs nothing: see `OutputFile`.
    /// `-` is standard output.
    static func validate(output: String?) throws(ValidationError) {
        guard let output, output != "-" else { return }
        do {
            _ = try OutputFile(output)
        } catch {
            throw ValidationError(TerminalText.escape(error.description))
        }
    }

    /// `matrix` and `merge`: the report on stdout, or in the file with the text rendering on stdout.
    func emit(_ report: Report, hosts: [MergedHost] = []) throws {
        if let output, output != "-" {
            try write(report, hosts: hosts, to: output)
            Terminal.write(try Self.render(report, hosts: hosts, as: .text, style: style))
        } else {
            Terminal.write(try Self.render(report, hosts: hosts, as: format, style: style))
        }
    }

    /// The report in `format`, atomically, to `path`. A failure is one line on
    /// stderr and exit 2: the artifact a CI job asked for does not exist.
    func write(_ report: Report, hosts: [MergedHost] = [], to path: String) throws {
        try write(text: try Self.render(report, hosts: hosts, as: format, style: TextStyle(wide: style.wide)), to: path)
    }

    /// `audit`: the audit on stdout, or in the file with the text rendering on stdout.
    func emit(_ audit: AuditReport) throws {
        if let output, output != "-" {
            try write(text: Self.render(audit, as: format, style: TextStyle(wide: style.wide)), to: output)
            Terminal.write(try Self.render(audit, as: .text, style: style))
        } else {
            Terminal.write(try Self.render(audit, as: format, style: style))
        }
    }

    static func render(_ audit: AuditReport, as format: ReportFormat, style: TextStyle) throws -> String {
        switch format {
        case .text:
            let renderer = AuditTextRenderer(color: style.color, wide: style.wide, width: style.width)
            return style.quiet ? renderer.renderVerdict(audit) : renderer.render(audit)
        case .json: return try JSONCoding.document(audit)
        case .markdown: return AuditMarkdownRenderer().render(audit)
        case .junit: return AuditJUnitRenderer().render(audit)
        }
    }

    /// `text` atomically to `path` (`-`: stdout).
    private func write(text: String, to path: String) throws(ExitCode) {
        if path == "-" { return Terminal.write(text) }
        do {
            try OutputFile(path).write(text)
        } catch let error as InputError {
            Terminal.writeError("tlsprobe: \(error)\n")
            throw ExitStatus.usage.exitCode
        } catch {
            Terminal.writeError("tlsprobe: cannot write --output \(path): \(error)\n")
            throw ExitStatus.usage.exitCode
        }
    }

    static func render(_ report: Report, hosts: [MergedHost], as format: ReportFormat, style: TextStyle) throws -> String {
        switch format {
        case .text:
            let renderer = TextRenderer(color: style.color, wide: style.wide, width: style.width)
            return style.quiet ? renderer.renderVerdict(report) : renderer.render(report, hosts: hosts)
        case .json:
            return hosts.isEmpty ? try JSONCoding.document(report) : try JSONCoding.document(MergedReport(report: report, hosts: hosts))
        case .markdown:
            return MarkdownRenderer().render(report, hosts: hosts)
        case .junit:
            return JUnitRenderer().render(report, hosts: hosts)
        }
    }
}
