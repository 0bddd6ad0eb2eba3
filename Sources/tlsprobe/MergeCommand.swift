import ArgumentParser
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
            refused by name: nothing is written, and the exit code is 2.
            """
    )

    @Argument(help: ArgumentHelp("JSON reports (tlsprobe matrix --format json, or merged ones).", valueName: "report.json"),
              completion: .file(extensions: ["json"]))
    var reports: [String] = []

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("merge needs at least one JSON report") }
        try reportOptions.validateMatrixReport(command: "merge")
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
        let merged: MergedReport
        do {
            merged = try ReportMerger.merge(inputs, command: CommandLine.arguments)
        } catch {
            Terminal.writeError("tlsprobe: refusing to merge: \(error)\n")
            throw ExitStatus.usage.exitCode
        }
        try reportOptions.destination.emit(merged.report, hosts: merged.hosts)
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
