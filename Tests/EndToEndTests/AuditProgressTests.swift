import Foundation
import TestSupport
import Testing

/// `audit`'s progress line (issue 22): on a terminal only (util-linux's `script` gives the
/// run one), never in a log or a pipe, never with `--quiet`.
@Suite struct AuditProgressTests {
    /// What a terminal shows of `tlsprobe ARGUMENTS` run on one (`script`'s pty), stdout and stderr together.
    static func onTerminal(_ arguments: [String]) throws -> ProcessRunner.Run {
        let command = ([Repository.binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try ProcessRunner.run("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], environment: ["TERM": "xterm"])
    }

    /// The real packages on a terminal: the line counts packages of the total and files, and
    /// is erased before the report; with --quiet or stderr piped, no line at all.
    @Test func aTerminalShowsPackagesAndFilesAndALogNothing() throws {
        let debs = try AuditCommandTests.downloaded.get()
        let paths = AuditCommandTests.realPackages.map { debs[$0.package]! }
        let folder = try Repository.scratch("audit-progress")
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("report.json").path

        let shown = try Self.onTerminal(["audit", "--format", "json", "--output", report] + paths)
        #expect(shown.status == 0, "\(shown.output)")
        let redraws = shown.output.components(separatedBy: "\r\u{1B}[K")
        #expect(redraws.count > 2, "no progress line: \(shown.output.debugDescription)")
        #expect(redraws.contains { $0.hasPrefix("[") && $0.contains("/\(paths.count) packages] ") && $0.contains(" files") },
                "\(redraws)")
        // Erased at the end: the last redraw is the empty one, before the report's own lines.
        #expect(redraws.last.map { !$0.contains("packages]") } == true, "\(redraws.last ?? "")")

        let quiet = try Self.onTerminal(["audit", "--quiet", "--format", "json", "--output", report] + paths)
        #expect(quiet.status == 0, "\(quiet.output)")
        #expect(!quiet.output.contains("\u{1B}[K"), "\(quiet.output.debugDescription)")

        let piped = try CLI.run(["audit", "--format", "json"] + paths, environment: ["TERM": "xterm"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stderr.contains("\u{1B}[K") && !piped.stderr.contains("packages]"), "\(piped.stderr.debugDescription)")
    }
}
