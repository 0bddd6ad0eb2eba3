import Foundation
import ProbeKit
import Testing
import TestSupport

/// Out of descriptors or memory is the machine's limit, reported as such with the
/// errno's name and exit 3: never a timeout, a failed cell or a silent signal.
@Suite struct ResourceLimitTests {
    /// Too few descriptors for a worker's pipes: nothing probed, EMFILE named.
    @Test func tooFewDescriptorsIsNothingProbedWithEMFILE() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json"],
                              through: ["/bin/sh", "-c", "ulimit -n 5 && exec \"$0\" \"$@\""])
        let report = try Report.decode(run.stdout)
        NothingProbed.expect(run, report: report, planned: MatrixPlan(modes: [.fd]).cells)
        #expect(run.stderr.contains("EMFILE"), "\(run.stderr)")
    }

    /// Too little address space for the loopback servers' threads: the cells are skipped
    /// naming pthread_create's errno, where they used to time out one by one.
    @Test func tooLittleMemoryForThreadsIsNeverATimeout() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--format", "json"],
                              through: ["/bin/sh", "-c", "ulimit -v 100000 && exec \"$0\" \"$@\""])
        let report = try Report.decode(run.stdout)
        #expect(!report.cells.isEmpty)
        for cell in report.cells {
            #expect(cell.outcome != .timeout, "\(cell.name) timed out: \(cell.reason ?? "")")
        }
        let skipped = report.cells.filter { $0.outcome == .skipped }
        #expect(!skipped.isEmpty, "ulimit -v 100000 left every cell probeable here, so this test would check nothing: \(report.cells.map(\.outcome))")
        for cell in skipped {
            #expect(cell.reason?.contains("pthread_create") == true, "\(cell.name): \(cell.reason ?? "")")
        }
        if skipped.count == report.cells.count {
            #expect(run.status == 3, "stderr: \(run.stderr)")
        }
    }
}
