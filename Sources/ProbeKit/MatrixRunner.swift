import Foundation
import ProxyCore
import Synchronization

/// The environment cannot run probes at all (exit code 3 at the CLI).
public struct MatrixSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Runs a `MatrixPlan`: one supervised worker process per runtime, the
/// runtimes in parallel, and a complete report at the end.
public struct MatrixRunner: Sendable {
    public let plan: MatrixPlan
    public let command: [String]
    /// The tlsprobe binary that workers run (`tlsprobe worker …`).
    public let executable: String

    public init(plan: MatrixPlan, command: [String], executable: String) {
        self.plan = plan
        self.command = command
        self.executable = executable
    }

    /// The path of the running executable, for workers of the CLI itself.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    public func run() -> Report {
        let environment = EnvironmentFacts.gather()
        let cells = plan.cells
        let runs = Mutex<[Int: WorkerSupervisor.Run]>([:])
        DispatchQueue.concurrentPerform(iterations: plan.runtimes.count) { index in
            let spec = plan.runtimes[index]
            let run: WorkerSupervisor.Run
            do throws(RuntimeError) {
                let launcher = try RuntimeLauncher.make(for: spec, executable: executable)
                run = WorkerSupervisor(launcher: launcher, cells: cells, timeout: plan.timeout,
                                       debugCrash: plan.debugCrash, debugHang: plan.debugHang).run()
            } catch {
                var summary = RuntimeSummary(name: spec.name)
                summary.error = error.message
                run = WorkerSupervisor.Run(summary: summary, results: [])
            }
            runs.withLock { $0[index] = run }
        }
        let ordered = runs.withLock { runs in plan.runtimes.indices.compactMap { runs[$0] } }
        return Report(command: command, timeoutSeconds: plan.timeout, environment: environment,
                      runtimes: ordered.map(\.summary), cells: ordered.flatMap(\.results))
    }
}
