import Foundation
import Matrix
import MatrixModel
import ProcessKit
import RunModel

/// `tlsprobe run --kernel-tfo`: the whole run again (origin, program, request) in a private
/// network namespace with its own `tcp_fastopen`, so the host's setting is never touched.
///
/// A namespace belongs to a thread and the threads it makes later, so it is entered by a
/// child tlsprobe first thing in `main` (`enterIfRequested`), before any thread exists; that
/// child runs as `run` does and prints its report as JSON, which the parent takes the results from.
enum RunNamespace {
    static let option = "namespace-child"

    /// In a child started by `runs`: enters the namespace, or ends the process with exit 3.
    static func enterIfRequested(_ arguments: [String]) {
        guard arguments.count > 3, arguments[1] == "run", arguments[2] == "--" + option else { return }
        guard let value = Int(arguments[3]) else { return }
        do {
            try NetworkNamespace.enter(tcpFastopen: value)
        } catch {
            Terminal.writeError("tlsprobe: \(error)\n")
            exit(ExitStatus.environment.rawValue)
        }
    }

    /// The program on every runtime of `specs` inside a namespace with `tcp_fastopen=value`.
    static func runs(tcpFastopen value: Int, parent: RunCommand, specs: [RuntimeSpec]) -> [ProgramRunResult] {
        func skipped(_ reason: String) -> [ProgramRunResult] {
            specs.map {
                ProgramRunResult(runtime: $0.name, kernelTFO: value, privateNamespace: true, outcome: .skipped,
                                 verdict: "skipped: tcp_fastopen=\(value) in a private network namespace: \(reason)")
            }
        }
        if let reason = NetworkNamespace.unavailableReason() { return skipped(reason) }
        var arguments = [MatrixRunner.currentExecutable, "run", "--" + option, String(value)]
        for spec in specs { arguments += ["--runtime", spec.name] }
        if let mirror = parent.fetch.mirror { arguments += ["--mirror", mirror] }
        if let days = parent.fetch.maxIndexAge { arguments += ["--max-index-age", String(days)] }
        if parent.origin { arguments.append("--origin") }
        if let port = parent.originPort { arguments += ["--origin-port", String(port)] }
        if let request = parent.request { arguments += ["--request", request] }
        arguments += ["--timeout", String(parent.timeout), "--format", "json", "--"] + parent.programAndArguments
        Terminal.writeError("tlsprobe: running \(parent.programAndArguments[0]) in a private network namespace with tcp_fastopen=\(value)\n")
        let run: ScriptRun
        do {
            // Each runtime's run is bounded by --timeout; the rest is starting and stopping.
            run = try ScriptRun.run(arguments, environment: ProcessInfo.processInfo.environment,
                                    seconds: parent.timeout * Double(specs.count) + 60)
        } catch {
            return skipped("cannot start tlsprobe in it: \(error)")
        }
        guard !run.timedOut else { return skipped("the run in it did not end in time") }
        do {
            let report = try JSONDecoder().decode(RunReport.self, from: Data(run.stdout.utf8))
            return report.results
        } catch {
            let why = run.stderrLines.last ?? "\(run.termination), no report"
            return skipped(why)
        }
    }
}
