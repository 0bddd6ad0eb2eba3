import Foundation
import MatrixModel
import ToolCore

extension Report {
    /// A report of these cells with what they show: the diagnosis and the verdict (a title and a line per design)
    /// drawn here, so the model only carries them.
    package init(command: [String], timeoutSeconds: Double, environment: EnvironmentFacts,
                 runtimes: [RuntimeSummary], cells: [CellResult], generatedAt: Date = Date()) {
        let diagnosis = Diagnosis.findings(runtimes: runtimes, cells: cells)
        // A plug-in's verdict line comes from its cells; its findings are not a reproduced design's.
        let verdict = Verdict(runtimes: runtimes, cells: cells, diagnosis: diagnosis.filter { $0.plugin == nil })
        self.init(command: command, timeoutSeconds: timeoutSeconds, environment: environment, runtimes: runtimes, cells: cells,
                  diagnosis: diagnosis, verdict: verdict.title, verdictLines: verdict.lines, generatedAt: generatedAt)
    }

    /// Runtimes that could not be used (bad folder, wrong library loaded, worker would not start).
    package var runtimeErrors: [InputError] {
        runtimes.compactMap { runtime in runtime.error.map { InputError(runtime: runtime.name, message: $0) } }
    }
}
