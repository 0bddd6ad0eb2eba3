import ArgumentParser
import BinaryAudit
import Foundation
import MatrixModel
import ProxyCore
import ReportRendering
import RunModel
import ToolCore

/// Where and how `matrix`, `gate`, `merge`, `audit` and `run` put a report.
///
/// Without `--output` the report goes to stdout in `--format`. With it, each file
/// gets its format (`FORMAT:PATH`, or `--format` for a plain path; see `ReportTarget`)
/// and the terminal still gets the text rendering, so a CI log shows the table while
/// the artifacts hold JSON, JUnit or Markdown; `--output -` (or `FORMAT:-`) puts that
/// report on stdout instead. Each file is written to a temporary name in its own
/// folder and renamed into place: a CI artifact is never half-written, and an old one
/// is replaced whole or not at all.
struct ReportOutput {
    /// `--format`: stdout's format without `--output`, and the format of a plain `--output PATH`.
    var format: ReportFormat = .text
    /// Whether `--format` was given: `gate` prints its report on stdout only when asked.
    var formatGiven = false
    /// Every `--output`, checked (`ReportTarget.parse`).
    var targets: [ReportTarget] = []
    /// How the text rendering looks on the terminal.
    var style = TextStyle()

    /// The reports written to files.
    var files: [ReportTarget] { targets.filter { !$0.isStdout } }

    /// What `matrix`, `merge` and `audit` print: the `--output -` report, else `--format`
    /// when no file is written, else the text rendering beside the files.
    var stdoutFormat: ReportFormat {
        targets.first(where: \.isStdout)?.format ?? (files.isEmpty ? format : .text)
    }

    /// What `gate` prints as a report: the `--output -` one, or `--format`'s when no file is
    /// written; `nil` when stdout gets the conditions (they go to stderr otherwise).
    var gateStdoutFormat: ReportFormat? {
        targets.first(where: \.isStdout)?.format ?? (files.isEmpty && formatGiven ? format : nil)
    }

    /// `matrix` and `merge`: every file, then stdout's report. A person at a terminal who
    /// sent the report to files gets the verdict and where the files are, not the text
    /// scrolling by; a pipe or a CI log still gets the text rendering.
    func emit(_ report: Report, hosts: [MergedHost] = []) throws {
        try writeFiles(report, hosts: hosts)
        if Self.onlyVerdictAndPaths(files: files, targets: targets, style: style) {
            Terminal.write(TextRenderer(color: style.color, width: style.width).renderVerdict(report) + pathLines())
            return
        }
        Terminal.write(try Self.render(report, hosts: hosts, as: stdoutFormat, style: style))
    }

    /// Files written, no `--output -`, stdout a terminal and no `--quiet` (which asks for the verdict alone).
    private static func onlyVerdictAndPaths(files: [ReportTarget], targets: [ReportTarget], style: TextStyle) -> Bool {
        !files.isEmpty && !targets.contains(where: \.isStdout) && !style.quiet && isatty(STDOUT_FILENO) == 1
    }

    /// `report: gate.xml (junit)`, one line per file.
    private func pathLines() -> String {
        files.map { "report: \($0.path) (\($0.format.rawValue))\n" }.joined()
    }

    /// The report to every `--output` file. A failure is one line on stderr and exit 2:
    /// the artifact a CI job asked for does not exist.
    func writeFiles(_ report: Report, hosts: [MergedHost] = []) throws {
        for target in files {
            // A file is read at leisure: its text has every cell's evidence.
            try write(text: try Self.render(report, hosts: hosts, as: target.format, style: TextStyle(wide: style.wide, cells: true)), to: target.path)
        }
    }

    /// `audit`: every file, then stdout's audit.
    func emit(_ audit: AuditReport) throws {
        try emitDocument(verdict: AuditTextRenderer(color: style.color, width: style.width).renderVerdict(audit)) {
            try Self.render(audit, as: $0, style: $1)
        }
    }

    /// `audit` and `run`: every file in its format, then stdout's report; at a terminal with
    /// files written, the verdict and the paths, as for the matrix.
    private func emitDocument(verdict: @autoclosure () -> String, render: (ReportFormat, TextStyle) throws -> String) throws {
        for target in files {
            try write(text: try render(target.format, TextStyle(wide: style.wide)), to: target.path)
        }
        if Self.onlyVerdictAndPaths(files: files, targets: targets, style: style) {
            Terminal.write(verdict() + pathLines())
            return
        }
        Terminal.write(try render(stdoutFormat, style))
    }

    static func render(_ audit: AuditReport, as format: ReportFormat, style: TextStyle) throws -> String {
        switch format {
        case .text:
            let renderer = AuditTextRenderer(color: style.color, wide: style.wide, width: style.width)
            return style.quiet ? renderer.renderVerdict(audit) : renderer.render(audit)
        case .json: return try JSONCoding.document(audit)
        case .markdown: return AuditMarkdownRenderer().render(audit)
        case .junit: return AuditJUnitRenderer().render(audit)
        case .sarif: return try AuditSARIFRenderer().render(audit)
        }
    }

    /// `run`: as the audit's.
    func emit(_ run: RunReport) throws {
        try emitDocument(verdict: RunTextRenderer(color: style.color, width: style.width).renderVerdict(run)) {
            try Self.render(run, as: $0, style: $1)
        }
    }

    static func render(_ run: RunReport, as format: ReportFormat, style: TextStyle) throws -> String {
        switch format {
        case .text:
            let renderer = RunTextRenderer(color: style.color, wide: style.wide, width: style.width)
            return style.quiet ? renderer.renderVerdict(run) : renderer.render(run)
        case .json: return try JSONCoding.document(run)
        case .markdown: return RunMarkdownRenderer().render(run)
        case .junit: return RunJUnitRenderer().render(run)
        case .sarif:
            // `validateRunReport` refuses it at parse time; this is its last line of defence.
            Terminal.writeError("tlsprobe: sarif is a format of tlsprobe audit only\n")
            throw ExitStatus.usage.exitCode
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
            let renderer = TextRenderer(color: style.color, wide: style.wide, cells: style.cells, width: style.width)
            return style.quiet ? renderer.renderVerdict(report) : renderer.render(report, hosts: hosts)
        case .json:
            return hosts.isEmpty ? try JSONCoding.document(report) : try JSONCoding.document(MergedReport(report: report, hosts: hosts))
        case .markdown:
            return MarkdownRenderer().render(report, hosts: hosts)
        case .junit:
            return JUnitRenderer().render(report, hosts: hosts)
        case .sarif:
            // `validateMatrixReport` refuses it at parse time; this is its last line of defence.
            Terminal.writeError("tlsprobe: sarif is a format of tlsprobe audit only\n")
            throw ExitStatus.usage.exitCode
        }
    }
}
