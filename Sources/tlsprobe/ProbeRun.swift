import ArgumentParser
import Foundation
import Matrix
import MatrixModel
import ProcessKit
import ReportRendering

/// What `matrix` and `gate` share around a run: the workers' start, the
/// runtimes that could not be used, and the exit codes the environment decides.
enum ProbeRun {
    /// Runs `plan` in worker processes of this binary. Unusable runtimes are named
    /// on stderr; when none was usable the run ends here with exit 2.
    static func run(_ plan: MatrixPlan, plugins: [String] = [], fetch: FetchOptions? = nil) throws -> Report {
        var plan = plan
        do {
            plan.add(try BIOPluginDescriber.specs(paths: plugins, executable: MatrixRunner.currentExecutable))
        } catch {
            throw ValidationError(error.description)
        }
        let given = plan.plugins.map(\.mode.rawValue)
        for mode in plan.modes where mode.pluginName != nil && !given.contains(mode.rawValue) {
            throw ValidationError("\(mode.rawValue) is the mode of no --bio-plugin\(given.isEmpty ? "" : " (given: \(given.joined(separator: ", ")))")")
        }
        var runner = MatrixRunner(plan: plan, command: CommandLine.arguments, executable: MatrixRunner.currentExecutable)
        fetch?.apply(to: &runner.provisioner)
        let tally = MatrixProgressTally(total: plan.cells.count * plan.runtimes.count * max(plan.kernelTFO.count, 1))
        let progress = ProgressLine.start { tally.line(elapsed: $0) }
        if progress != nil {
            runner.progress = { tally.record($0) }
        } else {
            // No terminal to redraw: a fetch or a build (minutes, on first use) still says what it does.
            runner.progress = { event in
                if case .preparing(let runtime, let step) = event { Terminal.writeError("tlsprobe: \(runtime): \(step)\n") }
            }
        }
        let report = runner.run()
        progress?.stop()
        let errors = report.runtimeErrors
        for error in errors {
            Terminal.writeError("tlsprobe: \(error)\n")
        }
        // A worker that could not start for want of a process or a descriptor is the machine's
        // limit, not a bad runtime: exit 3 with the limit named.
        if let limit = errors.lazy.compactMap({ ResourceLimit.message(inReason: "\($0)") }).first {
            Terminal.writeError("tlsprobe: \(limit)\n")
            throw ExitStatus.environment.exitCode
        }
        guard errors.count < report.runtimes.count else { throw ExitStatus.usage.exitCode }
        return report
    }

    /// Exit 2 when a `--bio-plugin` could run on no runtime probed: every one of its cells is
    /// `unsupported` (or `skipped`), for it is not a shared object, not of this machine, built
    /// for another OpenSSL ABI, without `tlsprobe_plugin_new_bio` or of another plug-in ABI.
    /// Its report would otherwise say "No failures." and the run exit 0, as if the user's BIO
    /// had passed; it was never tested. Exit 2, not 1: no expectation failed, the plug-in the
    /// user gave cannot run (the user's to fix, as an unusable runtime is). The reasons go to
    /// stderr, one line per reason with the runtimes it holds on.
    ///
    /// A plug-in that ran somewhere (some cell ok, failed, crashed or timed out) does not count:
    /// one built for 3.x is `unsupported` on 1.1.1 and 4.0 under `--runtime all` and is still tested.
    static func requirePluginsRan(_ report: Report) throws(ExitCode) {
        let unusable = pluginsThatRanNowhere(report)
        for plugin in unusable {
            let cells = report.cells.filter { $0.mode == plugin.mode }
            // One line per reason, naming the runtimes it was given on, in the report's order.
            var reasons: [(reason: String, runtimes: [String])] = []
            for cell in cells where cell.outcome == .unsupported {
                let reason = cell.reason ?? "no reason recorded"
                if let index = reasons.firstIndex(where: { $0.reason == reason }) {
                    if !reasons[index].runtimes.contains(cell.runtime) { reasons[index].runtimes.append(cell.runtime) }
                } else {
                    reasons.append((reason, [cell.runtime]))
                }
            }
            Terminal.writeError("tlsprobe: \(plugin.mode.rawValue) (\(TerminalText.escape(plugin.path))) could run on no runtime probed, so it was not tested:\n")
            for (reason, runtimes) in reasons {
                Terminal.writeError("  \(TerminalText.escape(runtimes.joined(separator: ", "))): \(TerminalText.escape(reason))\n")
            }
        }
        if !unusable.isEmpty { throw ExitStatus.usage.exitCode }
    }

    /// The `--bio-plugin`s none of whose cells ran: `unsupported` somewhere, and nothing but
    /// `unsupported` or `skipped` anywhere.
    static func pluginsThatRanNowhere(_ report: Report) -> [BIOPluginSpec] {
        (report.plugins ?? []).filter { plugin in
            let cells = report.cells.filter { $0.mode == plugin.mode }
            return cells.contains { $0.outcome == .unsupported }
                && cells.allSatisfy { $0.outcome == .unsupported || $0.outcome == .skipped }
        }
    }

    /// Exit 3 when not one cell could be probed (no loopback, no namespace, no
    /// privilege): the report already printed says why for each cell; stderr says it once.
    ///
    /// Exit 3 too when a limit of the machine (`ulimit -u`, `ulimit -n`) kept any cell from
    /// being probed: a half-probed matrix would otherwise pass for a whole one.
    static func requireSomethingProbed(_ report: Report) throws(ExitCode) {
        let limit = report.cells.lazy.compactMap({ $0.reason.flatMap(ResourceLimit.message(inReason:)) }).first
        guard report.cells.allSatisfy({ $0.outcome == .skipped }) else {
            guard let limit else { return }
            Terminal.writeError("tlsprobe: \(limit)\n")
            throw ExitStatus.environment.exitCode
        }
        let reasons = Set(report.cells.compactMap(\.reason)).sorted()
        let named = limit.map { "; \($0)" } ?? ""
        Terminal.writeError("tlsprobe: nothing probed: \(reasons.isEmpty ? "no cell was planned" : reasons.joined(separator: "; "))\(named)\n")
        throw ExitStatus.environment.exitCode
    }
}
