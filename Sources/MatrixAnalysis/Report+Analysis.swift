import Foundation
import MatrixModel
import ToolCore

extension Report {
    /// A report of these cells with what they show: the diagnosis and the one-line verdict
    /// drawn here, so the model only carries them.
    package init(command: [String], timeoutSeconds: Double, environment: EnvironmentFacts,
                 runtimes: [RuntimeSummary], cells: [CellResult], generatedAt: Date = Date()) {
        let diagnosis = Diagnosis.findings(runtimes: runtimes, cells: cells)
        self.init(command: command, timeoutSeconds: timeoutSeconds, environment: environment, runtimes: runtimes, cells: cells,
                  diagnosis: diagnosis, verdict: Verdict.line(runtimes: runtimes, cells: cells, diagnosis: diagnosis),
                  generatedAt: generatedAt)
    }

    /// Runtimes that could not be used (bad folder, wrong library loaded, worker would not start).
    package var runtimeErrors: [InputError] {
        runtimes.compactMap { runtime in runtime.error.map { InputError(runtime: runtime.name, message: $0) } }
    }
}
