import Foundation
import MatrixModel
import Testing

/// The reproductions of broken designs run only in worker processes whose OpenSSL
/// allocations are accounted: there the legacy teardown's foreign free on 3.5 is
/// counted evidence, not heap corruption, and the run goes on to the end.
/// Reads the shared three-runtime run (`Runtimes.matrix`).
@Suite struct ReproductionWorkerTests {
    @Test func theForeignFreeOn35IsCountedAndTheRunCompletes() throws {
        let run = try Runtimes.matrix.get()
        // Exit 0: the run ended on its own, every proxy-core cell passed, and something was probed.
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = run.report
        #expect(report.cells.count == report.runtimes.count * MatrixPlan().cells.count)
        let broken = report.cells.filter { $0.outcome == .crashed || $0.outcome == .timeout }
        #expect(broken.isEmpty, "\(broken.map { "\($0.runtime) \($0.name): \($0.outcome.rawValue) \($0.reason ?? "")" })")
        let runtimes = report.runtimes(openSSL: 3, 5)
        try #require(!runtimes.isEmpty, "no runtime measured OpenSSL 3.5: \(report.runtimes.map(\.name))")
        for runtime in runtimes {
            #expect(runtime.memoryAccounting == true, "\(runtime.name)")
            let cell = try #require(report.cells(of: runtime).first { $0.name == "legacy-fastopen/tfo-on/ipv4/teardown" },
                                    "\(runtime.name)")
            #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
            let memory = try #require(cell.memory, "\(runtime.name) \(cell.name) was not accounted")
            #expect(memory.foreignFrees >= 1, "OpenSSL freed the application's address: \(memory)")
            #expect(cell.signal == nil)
        }
    }

    /// Every reproduction cell ran (none was refused for want of accounting) and carries
    /// its accounting, on every runtime; only a family without loopback may be skipped.
    @Test func everyReproductionCellRanAccounted() throws {
        let report = try Runtimes.report.get()
        for runtime in report.runtimes {
            #expect(runtime.memoryAccounting == true, "\(runtime.name)")
            let reproductions = report.cells(of: runtime).filter(\.mode.needsContainment)
            #expect(!reproductions.isEmpty, "\(runtime.name)")
            for cell in reproductions {
                if cell.outcome == .skipped {
                    #expect(cell.family == .ipv6 && !report.environment.ipv6Loopback, "\(runtime.name) \(cell.name): \(cell.reason ?? "")")
                } else {
                    #expect(cell.memory != nil, "\(runtime.name) \(cell.name) ran without accounting")
                }
            }
        }
    }

    @Test func everyProxyCoreCellIsOkOrSkippedOnEveryRuntime() throws {
        let report = try Runtimes.report.get()
        #expect(report.runtimes.count == 3)
        for runtime in report.runtimes {
            let proxyCore = report.cells(of: runtime).filter { $0.mode == .proxyCore }
            #expect(proxyCore.map(\.cell) == MatrixPlan(modes: [.proxyCore]).cells, "\(runtime.name)")
            for cell in proxyCore {
                #expect(cell.outcome == .ok || cell.outcome == .skipped, "\(runtime.name) \(cell.name): \(cell.reason ?? "")")
            }
        }
    }
}
