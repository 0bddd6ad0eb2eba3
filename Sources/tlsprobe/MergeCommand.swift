import ArgumentParser
import Foundation
import ProbeKit
import ReportRendering

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

    @Argument(help: ArgumentHelp("JSON reports (tlsprobe matrix --format json, or merged ones).", valueName: "report.json"))
    var reports: [String] = []

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("merge needs at least one JSON report") }
    }

    func run() throws {
        var inputs: [ReportMerger.Input] = []
        for path in reports {
            do {
                inputs.append(ReportMerger.Input(source: path, data: try Self.read(path)))
            } catch {
                Terminal.writeError("tlsprobe: cannot read \(path): \(error)\n")
                throw ExitCode(2)
            }
        }
        let merged: MergedReport
        do {
            merged = try ReportMerger.merge(inputs, command: CommandLine.arguments)
        } catch {
            Terminal.writeError("tlsprobe: refusing to merge: \(error)\n")
            throw ExitCode(2)
        }
        try reportOptions.destination.emit(merged.report, hosts: merged.hosts)
    }

    /// The file's bytes; the error says why not (`No such file or directory`).
    static func read(_ path: String) throws -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ReadError(reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw ReadError(reason: "\((error as NSError).userInfo[NSUnderlyingErrorKey] ?? error)")
        }
    }

    struct ReadError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}
