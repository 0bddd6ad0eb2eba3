import Foundation
import MatrixModel

/// Cells whose worker crashes or hangs on purpose, for the isolation tests.
///
/// Read from the worker's environment (`TLSPROBE_TEST_CRASH`,
/// `TLSPROBE_TEST_HANG`, `TLSPROBE_TEST_DIE_AFTER`: comma-separated cell names),
/// which the tests set and the supervisor passes through; no option, plan or
/// report ever carries it.
package struct FaultInjection: Sendable {
    package static let crashVariable = "TLSPROBE_TEST_CRASH"
    package static let hangVariable = "TLSPROBE_TEST_HANG"
    package static let dieAfterVariable = "TLSPROBE_TEST_DIE_AFTER"

    var crash: Set<String> = []
    var hang: Set<String> = []
    /// Cells after whose result the worker is killed: a death between cells
    /// (`hello`: right after the worker's hello, before any cell).
    var dieAfter: Set<String> = []

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> FaultInjection {
        func names(_ variable: String) -> Set<String> {
            Set((environment[variable] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return FaultInjection(crash: names(crashVariable), hang: names(hangVariable), dieAfter: names(dieAfterVariable))
    }

    /// Crashes or hangs here when `cell` is one of the chosen.
    func strike(_ cell: Cell) {
        if crash.contains(cell.name) { raise(SIGSEGV) }
        if hang.contains(cell.name) { while true { sleep(3600) } }
    }

    /// After `cell`'s result (or, with `nil`, the hello) is out: dies as a `kill -9` from outside would make it.
    func strikeAfter(_ cell: Cell?) {
        if dieAfter.contains(cell?.name ?? "hello") { raise(SIGKILL) }
    }
}
