import Foundation
import ProxyCore
import Synchronization

/// Runs a `MatrixPlan`: one supervised worker process per runtime, the
/// runtimes in parallel, and a complete report at the end.
package struct MatrixRunner: Sendable {
    package let plan: MatrixPlan
    package let command: [String]
    /// The tlsprobe binary that workers run (`tlsprobe worker …`).
    package let executable: String
    /// Told of each cell as it starts and ends, from the supervisors' threads.
    package var progress: (@Sendable (MatrixProgress) -> Void)?

    package init(plan: MatrixPlan, command: [String], executable: String) {
        self.plan = plan
        self.command = command
        self.executable = executable
    }

    /// The path of the running executable, for workers of the CLI itself.
    package static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// One supervised run: a runtime in one network namespace (the host's, or a private one).
    private struct Job {
        let spec: RuntimeSpec
        let namespaceTFO: Int?
    }

    package func run() -> Report {
        let environment = EnvironmentFacts.gather()
        let cells = plan.cells
        let namespaces: [Int?] = plan.kernelTFO.isEmpty ? [nil] : plan.kernelTFO.map { $0 }
        let jobs = plan.runtimes.flatMap { spec in namespaces.map { Job(spec: spec, namespaceTFO: $0) } }
        let runs = Mutex<[Int: WorkerSupervisor.Run]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let job = jobs[index]
            let run: WorkerSupervisor.Run
            do throws(RuntimeError) {
                let launcher = try RuntimeLauncher.make(for: job.spec, executable: executable)
                run = WorkerSupervisor(launcher: launcher, cells: cells, timeout: plan.timeout, namespaceTFO: job.namespaceTFO,
                                       progress: progress).run()
            } catch {
                var summary = RuntimeSummary(name: job.spec.name)
                summary.error = error.message
                run = WorkerSupervisor.Run(summary: summary, results: [])
            }
            runs.withLock { $0[index] = run }
        }
        let ordered = runs.withLock { runs in jobs.indices.compactMap { runs[$0] } }
        // One summary per runtime: what its workers reported, or the first error.
        let summaries = plan.runtimes.map { spec -> RuntimeSummary in
            let mine = ordered.map(\.summary).filter { $0.name == spec.name }
            var summary = mine.first { $0.openSSL != nil } ?? mine.first ?? RuntimeSummary(name: spec.name)
            summary.error = mine.compactMap(\.error).first
            return summary
        }
        return Report(command: command, timeoutSeconds: plan.timeout, environment: environment,
                      runtimes: summaries, cells: ordered.flatMap(\.results))
    }
}
