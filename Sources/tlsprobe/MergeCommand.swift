import ArgumentParser
import AuditClassification
import BinaryAudit
import Foundation
import MatrixAnalysis
import MatrixModel
import ProxyCore
import ReportRendering
import ToolCore

/// `tlsprobe merge`: one report from the JSON reports of many hosts or CI jobs.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine JSON reports from several hosts or CI jobs into one report.",
        discussion: """
            Runtime names become HOST:runtime (HOST#2 for a second report from a host of the same name), \
            and the merged JSON lists every host's environment under "hosts". The diagnosis is made again \
            from the merged cells. A file that is not a JSON report of this tlsprobe's schemaVersion is \
            refused by name: nothing is written, and the exit code is 2. Reports of tlsprobe run are not \
            merged (exit 2): gate on each with tlsprobe gate --run-report. \
            Audit reports of tlsprobe audit --shard K/N --format json are joined into one audit report (any \
            audit format, sarif too): files by package then path, counts summed, identical to tlsprobe audit \
            --shard 1/1 over the same inputs but for command, generatedAt and durationMilliseconds. Refused \
            (exit 2, nothing written): matrix and audit reports mixed, shards cut from different inputs (their \
            input fingerprints differ) or into a different N, a shard given twice, a file in two reports. \
            Missing shards are named: the report is still written, its verdict starts INCOMPLETE, and the \
            exit code is 2 (1 when a file is of the --fail-on class). Otherwise audit's exit codes: 0 clean, \
            1 a file of the --fail-on class, 2 a file could not be read, 3 no ELF file in any shard.
            """
    )

    @Argument(help: ArgumentHelp("JSON reports: of tlsprobe matrix --format json (or merged ones), or of tlsprobe audit --shard K/N --format json.", valueName: "report.json"),
              completion: .file(extensions: ["json"]))
    var reports: [String] = []

    @Option(name: .customLong("fail-on"),
            help: ArgumentHelp("Audit reports: exit 1 when a merged file is of this class or worse (affected-pattern, inherits-socket-bio); replaces the shards' own.",
                               valueName: "class"))
    var failOn: AuditFailureThreshold?

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("merge needs at least one JSON report") }
    }

    func run() throws {
        var inputs: [ReportMerger.Input] = []
        for path in reports {
            do {
                inputs.append(ReportMerger.Input(source: path, data: try Self.read(path)))
            } catch let error as InputError {
                Terminal.writeError("tlsprobe: refusing to merge: \(error)\n")
                throw ExitStatus.usage.exitCode
            } catch {
                Terminal.writeError("tlsprobe: cannot read \(path): \(error)\n")
                throw ExitStatus.usage.exitCode
            }
        }
        let kinds = inputs.map { MergeInputKind.of($0.data) }
        // A run watches one program on one host: there is nothing to join, and the matrix
        // merger's complaint about missing cells would not say so.
        if let run = kinds.firstIndex(of: .run) {
            Terminal.writeError("tlsprobe: refusing to merge: \(TerminalText.escape(inputs[run].source)) is a run report (tlsprobe run): run reports are not merged; gate on each with tlsprobe gate --run-report FILE\n")
            throw ExitStatus.usage.exitCode
        }
        if let audit = kinds.firstIndex(of: .audit) {
            if let other = kinds.firstIndex(where: { $0 != .audit }) {
                Terminal.writeError("tlsprobe: refusing to merge: \(inputs[audit].source) is an audit report and \(inputs[other].source) \(kinds[other].map { "is " + $0.name } ?? "is no tlsprobe report"): merge one kind at a time\n")
                throw ExitStatus.usage.exitCode
            }
            return try mergeAudits(inputs)
        }
        do {
            try reportOptions.validateMatrixReport(command: "merge of matrix reports")
            if failOn != nil { throw ValidationError("--fail-on applies to audit reports; these are matrix reports") }
        } catch {
            Terminal.writeError("tlsprobe: \(error)\n")
            throw ExitStatus.usage.exitCode
        }
        let merged: MergedReport
        do {
            merged = try ReportMerger.merge(inputs, command: CommandLine.arguments)
        } catch {
            Terminal.writeError("tlsprobe: refusing to merge: \(error)\n")
            throw ExitStatus.usage.exitCode
        }
        try reportOptions.destination.emit(merged.report, hosts: merged.hosts)
    }

    /// Audit shards joined into one audit report, written in the formats asked for; the
    /// exit status is the merged audit's (`AuditOutcome`), missing shards included.
    private func mergeAudits(_ inputs: [ReportMerger.Input]) throws {
        var shards: [AuditReportMerger.Input] = []
        for input in inputs {
            do {
                let report = try AuditReport.decode(input.data)
                guard report.schemaVersion == AuditReport.currentSchemaVersion else {
                    throw InputError(source: input.source, message: "audit schemaVersion \(report.schemaVersion), not this tlsprobe's \(AuditReport.currentSchemaVersion)")
                }
                shards.append(AuditReportMerger.Input(source: input.source, report: report))
            } catch let error as InputError {
                Terminal.writeError("tlsprobe: refusing to merge: \(error)\n")
                throw ExitStatus.usage.exitCode
            } catch {
                Terminal.writeError("tlsprobe: refusing to merge: \(input.source): not an audit report tlsprobe can read: \(error)\n")
                throw ExitStatus.usage.exitCode
            }
        }
        let report: AuditReport
        do {
            report = try AuditReportMerger.merge(shards, command: CommandLine.arguments, failOn: failOn)
        } catch {
            Terminal.writeError("tlsprobe: refusing to merge: \(error)\n")
            throw ExitStatus.usage.exitCode
        }
        AuditCommand.reportErrors(report)
        if report.outcome == .nothingAudited || report.outcome == .incomplete {
            Terminal.writeError("tlsprobe: \(TerminalText.escape(report.verdict))\n")
        }
        try reportOptions.destination.emit(report)
        let status = ExitStatus(report.outcome)
        if status != .success { throw status.exitCode }
    }

    /// The file's bytes. Only a regular file of at most `ReportMerger.sizeLimit` bytes is
    /// read: a device (`/dev/zero`), a FIFO or a huge file is refused before reading.
    static func read(_ path: String) throws -> Data {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw SystemCallError("open", errno: errno) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemCallError("fstat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw InputError(source: path, message: "not a regular file; give a JSON report written by tlsprobe")
        }
        guard info.st_size <= ReportMerger.sizeLimit else {
            throw InputError(source: path, message: "\(info.st_size) bytes, more than the \(ReportMerger.sizeLimit >> 20) MiB limit")
        }
        // At most one byte past the limit, in case the file grew since fstat.
        let data = try handle.read(upToCount: ReportMerger.sizeLimit + 1) ?? Data()
        return data
    }
}
