import Foundation
import ProbeKit
import Testing

/// Runs the built `tlsprobe` binary, as a user or a CI job would.
struct CLI {
    /// `TLSPROBE_BIN` when set (scripts/test sets it), else the debug build next to these sources.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["TLSPROBE_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tlsprobe").path
    }()

    struct Run {
        let status: Int32
        let stdout: Data
        let stderr: String
    }

    /// Runs `tlsprobe ARGUMENTS`; with `wrapper` (`setpriv …`, `unshare …`), runs
    /// `WRAPPER… tlsprobe ARGUMENTS` so the binary starts under the wrapper's conditions.
    static func run(_ arguments: [String], through wrapper: [String] = [], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrapper.first ?? binary)
        process.arguments = wrapper.isEmpty ? arguments : wrapper.dropFirst() + [binary] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct CLITests {
    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: CLI.binary), "build tlsprobe first: \(CLI.binary)")
    }

    @Test func matrixJSONHasAllTwentyEightHandshakeCells() throws {
        let run = try CLI.run(["matrix", "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.map(\.cell) == MatrixPlan().cells)
        #expect(report.cells.filter { $0.phase == .handshake }.count == 28)
        #expect(report.command.last == "json")
        #expect(report.cells.filter { $0.mode == .proxyCore }.allSatisfy { $0.outcome == .ok || $0.outcome == .skipped })
    }

    @Test func textMatrixNeverColoursAPipe() throws {
        let run = try CLI.run(["matrix", "--mode", "fd", "--family", "ipv4", "--tfo", "off"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(text.contains("fd/tfo-off/ipv4") || text.contains("fd  "))
        #expect(text.contains("1 cells: 1 ok"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test(arguments: [
        (["matrix", "--mode", "bogus"], "legacy-fastopen"),
        (["matrix", "--format", "xml"], "json"),
        (["matrix", "--family", "ipv5"], "ipv6"),
        (["matrix", "--tfo", "maybe"], "both"),
        (["matrix", "--timeout", "0"], "positive"),
        (["matrix", "--timeout=-3"], "positive"),
        (["env", "--format", "yaml"], "text"),
    ])
    func badInputExitsTwoWithOneLine(_ arguments: [String], _ mentioned: String) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(arguments): status \(run.status), stderr \(run.stderr)")
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(mentioned))
    }

    @Test func versionAndEnv() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(String(decoding: version.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == ToolVersion.current)

        let env = try CLI.run(["env", "--format", "json"])
        #expect(env.status == 0)
        let facts = try JSONDecoder().decode(EnvironmentFacts.self, from: env.stdout)
        #expect(facts.openSSL.libsslPath != nil)
        #expect(facts.toolVersion == ToolVersion.current)
    }
}

/// Without IPv6 loopback the IPv6 cells are `skipped` with the reason, never `ok`,
/// and the IPv4 cells still run. The test makes such a host: a private network
/// namespace (util-linux's `unshare`, as root) whose `lo` has IPv6 disabled.
@Suite struct NoIPv6Tests {
    @Test func ipv6CellsAreSkippedWithTheReason() throws {
        try #require(NetworkNamespace.unavailableReason() == nil, "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI has them)")
        // The shell brings lo up with IPv6 disabled, then execs tlsprobe ("$0") with its arguments ("$@").
        let script = "ip link set lo up && echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6 && exec \"$0\" \"$@\""
        let run = try CLI.run(["matrix", "--mode", "fd", "--mode", "proxy-core", "--format", "json"],
                              through: ["/usr/bin/unshare", "--net", "/bin/sh", "-c", script])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let data = run.stdout
        let report = try Report.decode(data)
        #expect(report.environment.ipv6Loopback == false)
        #expect(report.cells.count == MatrixPlan(modes: [.fd, .proxyCore]).cells.count)
        for cell in report.cells {
            if cell.family == .ipv6 {
                #expect(cell.outcome == .skipped)
                #expect(cell.reason?.contains("::1") == true, "\(cell.reason ?? "")")
            } else {
                #expect(cell.outcome == .ok, "\(cell.cell.name): \(cell.reason ?? "")")
            }
        }
    }
}
