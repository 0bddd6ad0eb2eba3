import Foundation
import MatrixModel
import TestSupport
import Testing

/// How `matrix` and `gate` end when not one cell could be probed: exit 3 and one
/// line on stderr, `tlsprobe: nothing probed: REASONS`, naming every cell's reason.
enum NothingProbed {
    static let status: Int32 = 3
    static let prefix = "tlsprobe: nothing probed: "

    /// Expects `run` to have ended that way, with `report` (what the run printed or
    /// wrote) holding the planned cells, each `skipped` with a reason.
    static func expect(_ run: ProcessRunner.Run, report: Report, planned: [Cell],
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == status, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 && lines.first?.hasPrefix(prefix) == true, "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(report.cells.map(\.cell) == planned, sourceLocation: sourceLocation)
        for cell in report.cells {
            #expect(cell.outcome == .skipped, "\(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")", sourceLocation: sourceLocation)
            let reason = cell.reason ?? ""
            #expect(!reason.isEmpty, "\(cell.name) skipped without a reason", sourceLocation: sourceLocation)
            #expect(run.stderr.contains(reason), "stderr does not name \(cell.name)'s reason '\(reason)': \(run.stderr)",
                    sourceLocation: sourceLocation)
        }
    }
}
