import Foundation
import MatrixAnalysis
import MatrixModel
import ProxyCore
import Synchronization
import ToolCore

/// Runs a `MatrixPlan`: one `WorkerSupervisor` per runtime and network namespace, each
/// with worker processes of its own (a plug-in's cells in workers of their own), the
/// runtimes in parallel, and one report at the end. A runtime that cannot be provisioned
/// or turns out unusable has its error in the report instead of the cells it did not run.
package struct MatrixRunner: Sendable {
    package let plan: MatrixPlan
    package let command: [String]
    /// Fetches and builds what a runtime needs; its executable is the worker of this binary's ABI.
    package var provisioner: RuntimeProvisioner
    /// Told of each cell as it starts and ends, from the supervisors' threads.
    package var progress: (@Sendable (MatrixProgress) -> Void)?

    package init(plan: MatrixPlan, command: [String], executable: String) {
        self.plan = plan
        self.command = command
        provisioner = RuntimeProvisioner(executable: executable)
    }

    /// The path of the running executable, for workers of the CLI itself.
    package static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// One supervised run: a runtime in one network namespace (the host's, or a private one).
    private struct Job {
        /// Its index in `plan.runtimes`.
        let runtime: Int
        let namespaceTFO: Int?
    }

    package func run() -> Report {
        let environment = EnvironmentFacts.gather()
        let cells = plan.cells
        let namespaces: [Int?] = plan.kernelTFO.isEmpty ? [nil] : plan.kernelTFO.map { $0 }
        // One runtime after the other: a fetch or a worker build takes the machine's
        // cores and the network for itself, and its progress reads in order.
        var provisioner = provisioner
        if let progress { provisioner.step = { progress(.preparing(runtime: $0, step: $1)) } }
        let launchers = plan.runtimes.map { spec in
            Result { () throws(InputError) in try RuntimeLauncher.make(for: spec, provisioner: provisioner) }
        }
        let jobs = plan.runtimes.indices.flatMap { runtime in namespaces.map { Job(runtime: runtime, namespaceTFO: $0) } }
        let runs = Mutex<[Int: WorkerSupervisor.Run]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let job = jobs[index]
            let run: WorkerSupervisor.Run
            switch launchers[job.runtime] {
            case .success(let launcher):
                run = WorkerSupervisor(launcher: launcher, cells: cells, timeout: plan.timeout, namespaceTFO: job.namespaceTFO,
                                       plugins: plan.plugins, accounting: plan.accounting, progress: progress).run()
            case .failure(let error):
                var summary = RuntimeSummary(name: plan.runtimes[job.runtime].name)
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
        var report = Report(command: command, timeoutSeconds: plan.timeout, environment: environment,
                            runtimes: summaries, cells: ordered.flatMap(\.results))
        report.plugins = plan.plugins.isEmpty ? nil : plan.plugins
        return report
    }
}
