import Foundation
import MatrixModel
import ProcessKit
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs one runtime's cells in worker processes and comes back with an outcome for
/// every cell while the runtime itself is usable: a worker that dies marks its current
/// cell `crashed`, one that overruns is killed and the cell is a `timeout`; a new
/// worker then takes the remaining cells. When the machine cannot run workers at all,
/// every remaining cell is `skipped` with the reason.
///
/// When the runtime is unusable, the run stops and sets `summary.error` instead: a
/// worker that cannot be spawned, or whose hello reports a setup error or a library
/// other than the one asked for (a `RuntimeError`), or three workers in a row lost
/// before finishing a cell. The cells not yet run then have no result, as when the
/// runtime cannot even be provisioned: the report names the runtime's error.
///
/// Each plug-in's cells run in workers of their own, never beside the built-in modes or
/// another plug-in: whatever a plug-in does when it is loaded (a constructor that
/// crashes, exits or hangs), in its cells, or to its process, costs its own cells only.
struct WorkerSupervisor {
    let launcher: RuntimeLauncher
    let cells: [Cell]
    let timeout: Double
    /// `tcp_fastopen` of the workers' private network namespace; `nil` for the host's.
    let namespaceTFO: Int?
    /// The plug-ins the workers load, and whether they account OpenSSL's allocations.
    var plugins: [BIOPluginSpec] = []
    var accounting = true
    let progress: (@Sendable (MatrixProgress) -> Void)?

    /// Time a worker may take beyond the cell's own deadline before it is killed.
    static let overrunMargin = 1.0
    /// Time a worker may take to start and say hello.
    static let startupLimit = 20.0
    /// Workers lost in a row, none finishing a cell, before the runtime is given up.
    static let fruitlessLimit = 3

    struct Run {
        var summary: RuntimeSummary
        var results: [CellResult]
    }

    /// Cells that share workers: the built-in modes', or one plug-in's.
    struct Group {
        /// The plug-in its workers load; `nil` for the built-in modes.
        let plugin: BIOPluginSpec?
        let cells: [Cell]
    }

    /// The built-in modes first, then one group per plug-in, each in the plan's order.
    static func groups(of cells: [Cell], plugins: [BIOPluginSpec]) -> [Group] {
        let named = Set(plugins.map(\.name))
        // A plug-in mode no spec names stays with the built-in modes: its worker says why it cannot run.
        var groups = [Group(plugin: nil, cells: cells.filter { $0.mode.pluginName.map { !named.contains($0) } ?? true })]
        groups += plugins.map { spec in Group(plugin: spec, cells: cells.filter { $0.mode.pluginName == spec.name }) }
        return groups.filter { !$0.cells.isEmpty }
    }

    func run() -> Run {
        var summary = RuntimeSummary(name: launcher.spec.name, folder: launcher.folder)
        var results: [Cell: CellResult] = [:]
        var skipped: String?
        if namespaceTFO != nil, let reason = NetworkNamespace.unavailableReason() {
            skipped = reason
        }
        for group in Self.groups(of: cells, plugins: plugins) {
            if let skipped {
                for cell in group.cells { results[cell] = skippedResult(cell, skipped) }
                continue
            }
            let end = run(group, summary: &summary) { results[$0.cell] = $0 }
            if case .skipped(let reason)? = end { skipped = reason }
            if summary.error != nil { break }
        }
        return Run(summary: summary, results: cells.compactMap { results[$0] })
    }

    private func skippedResult(_ cell: Cell, _ reason: String) -> CellResult {
        var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: namespaceTFO, outcome: .skipped, reason: reason)
        result.privateNamespace = namespaceTFO != nil
        return result
    }

    /// Why a group's run ended early for the whole runtime.
    private enum GroupEnd {
        /// The environment cannot run workers: every remaining cell is `skipped` with this.
        case skipped(String)
    }

    /// One group's cells, in as many workers as it takes; each outcome goes to `record`.
    /// Sets `summary.error` when the runtime itself is unusable.
    private func run(_ group: Group, summary: inout RuntimeSummary, record: (CellResult) -> Void) -> GroupEnd? {
        var remaining = group.cells
        // Workers in a row that were lost before finishing a single cell.
        var fruitless = 0
        while !remaining.isEmpty {
            let configuration = WorkerConfiguration(runtimeName: launcher.spec.name, cells: remaining, timeout: timeout,
                                                    namespaceTFO: namespaceTFO, plugins: group.plugin.map { [$0] } ?? [],
                                                    accounting: accounting)
            let before = remaining.count
            do {
                let end = try runWorker(configuration, plugin: group.plugin, summary: &summary) { result in
                    progress?(.finished(runtime: launcher.spec.name, cell: result.name))
                    record(result)
                    remaining.removeAll { $0 == result.cell }
                }
                fruitless = remaining.count < before ? 0 : fruitless + 1
                switch end {
                case .lost(let why):
                    // Killed or dead between cells, or before its hello: no cell is charged, a
                    // fresh worker takes the rest. Only workers that keep dying end the runtime.
                    if fruitless >= Self.fruitlessLimit {
                        summary.error = "\(fruitless) workers in a row were lost before finishing a cell; the last: \(why)"
                    }
                case .exited where remaining.count == before:
                    // A worker that ends cleanly without finishing a cell would be
                    // restarted forever: charge its next cell instead.
                    if let stuck = remaining.first {
                        record(CellResult(stuck, runtime: launcher.spec.name, kernelTFO: namespaceTFO, outcome: .failed,
                                          reason: "the worker exited without running this cell"))
                        remaining.removeFirst()
                    }
                case .exited:
                    // Leaves the switch only: a new worker takes the remaining cells.
                    break
                }
                if summary.error != nil { return nil }
            } catch let error as EnvironmentError {
                for cell in remaining { record(skippedResult(cell, error.description)) }
                return .skipped(error.description)
            } catch let error as InputError {
                summary.error = error.message
                return nil
            } catch {
                summary.error = "\(error)"
                return nil
            }
        }
        return nil
    }

    /// How a worker's life ended, when it was not refused outright.
    enum WorkerEnd {
        /// It exited on its own (or died in a cell, which was charged with that).
        case exited
        /// It died, was killed or stopped answering between cells or before its hello.
        case lost(String)
    }

    /// One worker's life; each cell it finished (or died in) goes to `finish`. Throws
    /// when the runtime itself is unusable: the worker cannot be spawned, or its hello
    /// reports a setup error or a library other than the one asked for.
    ///
    /// The worker speaks on its private descriptor 3; its stdout and stderr are read only
    /// as bounded diagnostics. When it ends, its whole process group is killed: whatever a
    /// plug-in forked goes with it.
    private func runWorker(_ configuration: WorkerConfiguration, plugin: BIOPluginSpec?, summary: inout RuntimeSummary,
                           finish: (CellResult) -> Void) throws -> WorkerEnd {
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments: launcher.command + ["worker"] + configuration.arguments,
                                     environment: launcher.environment, messageChannel: true)
        } catch where [EMFILE, ENFILE, ENOMEM, EAGAIN].contains(error.errno) {
            // The machine's limits (ulimit -n, -u, -v), not the runtime: nothing can be probed.
            throw EnvironmentError("cannot start a worker: \(error.operation) failed: \(ErrnoName.describe(error.errno))")
        } catch {
            throw InputError(runtime: launcher.spec.name, message: "cannot start a worker: \(error)")
        }
        defer { child.killGroup() }
        let reader = LineReader(child: child)
        /// The worker's own messages: a process a plug-in forked writes on the same descriptor.
        func message(_ line: String) -> WorkerMessage? {
            guard let message = WorkerMessage.parse(line), message.pid == nil || message.pid == child.pid else { return nil }
            return message
        }
        /// `plugin:NAME: ` before a reason, in a plug-in's own workers.
        let owner = plugin.map { "\($0.mode.rawValue): " } ?? ""

        // The hello: proof of which OpenSSL the worker really loaded. Before it, the worker
        // loads its plug-in, announced, under the deadline of a cell.
        let startup = Deadline.after(seconds: Self.startupLimit)
        var loading: (name: String, started: Deadline)?
        var greeting: WorkerHello?
        while greeting == nil {
            let limit = loading.map { $0.started.adding(seconds: timeout + Self.overrunMargin) } ?? startup
            switch reader.next(until: limit) {
            case .line(let line):
                guard let message = message(line) else { continue }
                if let name = message.loading {
                    loading = (name, .now)
                } else if message.loaded != nil {
                    loading = nil
                } else if let hello = message.hello {
                    greeting = hello
                }
            case .end:
                let status = child.wait()
                reader.drainStderr()
                if let loading {
                    chargeLoading(configuration.cells, plugin: plugin, name: loading.name, started: loading.started,
                                  status: status, reader: reader, finish: finish)
                    return .exited
                }
                return .lost("the worker did not start (\(status))" + Self.saidSuffix(reader))
            case .timedOut:
                child.kill()
                let status = child.wait()
                if let loading {
                    chargeLoading(configuration.cells, plugin: plugin, name: loading.name, started: loading.started,
                                  status: nil, reader: reader, finish: finish)
                    return .exited
                }
                return .lost("the worker did not start (\(status))" + Self.saidSuffix(reader))
            }
        }
        guard let hello = greeting else { return .lost("the worker did not start") }
        if let namespaceError = hello.namespaceError {
            throw EnvironmentError(namespaceError)
        }
        if let setupError = hello.setupError {
            throw InputError(runtime: launcher.spec.name, message: setupError)
        }
        try launcher.verify(hello)
        summary.accept(hello)
        summary.libssl = launcher.abi(of: hello)

        var current: (cell: Cell, started: Deadline)?
        var kernelTFO: Int? { hello.environment.tcpFastopen }
        var unfinished = Set(configuration.cells)
        while true {
            if unfinished.isEmpty {
                // Every cell has its result: nothing the worker does from here on (joining
                // server threads that a plug-in's forked process keeps waiting on a socket)
                // is worth waiting for.
                child.kill()
                child.wait()
                return .exited
            }
            let limit = current.map { $0.started.adding(seconds: timeout + Self.overrunMargin) } ?? .after(seconds: Self.startupLimit)
            switch reader.next(until: limit) {
            case .line(let line):
                guard let message = message(line) else { continue }
                if let name = message.start, let cell = Cell(name: name) {
                    current = (cell, .now)
                    progress?(.started(runtime: launcher.spec.name, cell: cell.name))
                } else if let result = message.result {
                    // What a plug-in forked in this cell ends with the cell.
                    if plugin != nil { child.killForks() }
                    finish(result)
                    unfinished.remove(result.cell)
                    current = nil
                }
            case .end:
                let status = child.wait()
                reader.drainStderr()
                if let (cell, started) = current {
                    var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: kernelTFO, outcome: .crashed)
                    if case .signaled(let signal) = status { result.signal = SignalName.of(signal) }
                    result.reason = owner + "the worker died (\(status)) during the cell" + Self.saidSuffix(reader)
                    result.durationMilliseconds = started.millisecondsUntilNow
                    finish(result)
                } else if status != .exited(0) {
                    return .lost("the worker failed between cells (\(status))" + Self.saidSuffix(reader))
                }
                return .exited
            case .timedOut:
                child.kill()
                child.wait()
                guard let (cell, started) = current else {
                    return .lost("the worker stopped answering between cells")
                }
                var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: kernelTFO, outcome: .timeout,
                                        reason: owner + "no result within the \(timeout) s deadline; the worker was killed")
                result.durationMilliseconds = started.millisecondsUntilNow
                finish(result)
                return .exited
            }
        }
    }

    /// A plug-in that ended or hung its worker while it was being loaded (its constructors,
    /// before any cell): every one of its cells gets that outcome, once, naming the plug-in.
    /// Loading it again per cell would only repeat it, a hang at a deadline each.
    private func chargeLoading(_ cells: [Cell], plugin: BIOPluginSpec?, name: String, started: Deadline,
                               status: ChildProcess.Termination?, reader: LineReader, finish: (CellResult) -> Void) {
        let what = "plugin:\(name)" + (plugin.map { " (\($0.path))" } ?? "")
        let outcome: Outcome
        var signal: String?
        let reason: String
        switch status {
        case .signaled(let number)?:
            outcome = .crashed
            signal = SignalName.of(number)
            reason = "\(what) crashed its worker while it was loaded (\(SignalName.of(number)), in its constructors), before any cell"
        case .exited(let code)?:
            outcome = .failed
            reason = "\(what) ended its worker while it was loaded (exit status \(code), in its constructors), before any cell"
        case nil:
            outcome = .timeout
            reason = "\(what) did not finish loading (its constructors) within the \(timeout) s deadline; the worker was killed"
        }
        let duration = started.millisecondsUntilNow
        for cell in cells {
            // No hello came: the namespace's value is the one it was given, or the host's, as the parent reads it.
            var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: namespaceTFO ?? EnvironmentFacts.readTCPFastopen(),
                                    outcome: outcome,
                                    reason: reason + Self.saidSuffix(reader))
            result.signal = signal
            result.privateNamespace = namespaceTFO != nil
            result.durationMilliseconds = duration
            finish(result)
        }
    }

    /// `; it said: …`: the last lines of the worker's stderr, else of its stdout, bounded and
    /// with control characters replaced.
    private static func saidSuffix(_ reader: LineReader) -> String {
        let tail = reader.stderrTail.isEmpty ? reader.stdoutTail : reader.stderrTail
        return tail.isEmpty ? "" : "; it said: \(tail)"
    }
}
