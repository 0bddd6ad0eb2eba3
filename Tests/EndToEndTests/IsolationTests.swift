import Foundation
import MatrixModel
import Testing

/// Crashing and hanging cells, made on purpose through the workers' environment:
/// `TLSPROBE_TEST_CRASH` and `TLSPROBE_TEST_HANG` name cells (comma-separated); the
/// parent passes its environment to the workers, and nothing else carries the hooks.
@Suite struct IsolationTests {
    @Test func aCrashingCellIsReportedAndTheRestComplete() throws {
        let crashing = ["fd/tfo-off/ipv6", "exdata-fastopen/tfo-on/ipv4"]
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--mode", "exdata-fastopen", "--format", "json"],
                              environment: ["TLSPROBE_TEST_CRASH": crashing.joined(separator: ",")])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        let planned = MatrixPlan(modes: [.fd, .exDataFastOpen]).cells
        #expect(report.cells.map(\.cell) == planned)
        for name in crashing {
            let crashed = try #require(report.cells.first { $0.cell.name == name })
            #expect(crashed.outcome == .crashed, "\(name): \(crashed.outcome.rawValue)")
            #expect(crashed.signal == "SIGSEGV", "\(name)")
        }
        for cell in report.cells where !crashing.contains(cell.cell.name) && cell.outcome != .skipped {
            #expect(cell.outcome == .ok, "\(cell.cell.name) after the crash: \(cell.reason ?? "")")
        }
        #expect(!run.output.contains("TLSPROBE_TEST"), "the hook is the workers' environment, never part of the report")
    }

    @Test func aHangingCellTimesOutWithinTheDeadline() throws {
        let hanging = "exdata-fastopen/tfo-on/ipv4"
        let started = Date()
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "exdata-fastopen", "--phase", "handshake", "--timeout", "1", "--format", "json"],
                              environment: ["TLSPROBE_TEST_HANG": hanging])
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.count == 4)
        let hung = try #require(report.cells.first { $0.cell.name == hanging })
        #expect(hung.outcome == .timeout)
        // The cell's 1 s deadline plus the supervisor's 1 s margin, and a little for process start.
        #expect(hung.durationMilliseconds >= 1000 && hung.durationMilliseconds < 2500, "\(hung.durationMilliseconds) ms")
        #expect(elapsed < 6, "whole run took \(elapsed) s")
        #expect(report.cells.filter { $0.cell.name != hanging }.allSatisfy { $0.outcome == .ok || $0.outcome == .skipped })
        #expect(!run.output.contains("TLSPROBE_TEST"), "the hook is the workers' environment, never part of the report")
    }
}
