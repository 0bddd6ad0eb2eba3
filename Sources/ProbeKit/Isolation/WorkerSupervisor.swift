import Foundation
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs one runtime's cells in worker processes and always comes back with an
/// outcome for every cell: a worker that dies marks its current cell
/// `crashed`, one that overruns is killed and the cell is a `timeout`; a new
/// worker then takes the remaining cells.
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

    func run() -> Run {
        var summary = RuntimeSummary(name: launcher.spec.name, folder: launcher.folder)
        var results: [Cell: CellResult] = [:]
        var remaining = cells
        func skipRemaining(_ reason: String) {
            for cell in remaining {
                var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: namespaceTFO, outcome: .skipped, reason: reason)
                result.privateNamespace = namespaceTFO != nil
                results[cell] = result
            }
            remaining = []
        }
        if namespaceTFO != nil, let reason = NetworkNamespace.unavailableReason() {
            skipRemaining(reason)
        }
        // Workers in a row that were lost before finishing a single cell.
        var fruitless = 0
        while !remaining.isEmpty {
            let configuration = WorkerConfiguration(runtimeName: launcher.spec.name, cells: remaining, timeout: timeout,
                                                    namespaceTFO: namespaceTFO, plugins: plugins, accounting: accounting)
            let before = remaining.count
            do {
                let end = try runWorker(configuration, summary: &summary) { result in
                    progress?(.finished(runtime: launcher.spec.name, cell: result.name))
                    results[result.cell] = result
                    remaining.removeAll { $0 == result.cell }
                }
                fruitless = remaining.count < before ? 0 : fruitless + 1
                switch end {
                case .lost(let why):
                    // Killed or dead between cells, or before its hello: no cell is charged, a
                    // fresh worker takes the rest. Only workers that keep dying end the runtime.
                    if fruitless >= Self.fruitlessLimit {
                        summary.error = "\(fruitless) workers in a row were lost before finishing a cell; the last: \(why)"
                        break
                    }
                case .exited where remaining.count == before:
                    // A worker that ends cleanly without finishing a cell would be
                    // restarted forever: charge its next cell instead.
                    if let stuck = remaining.first {
                        results[stuck] = CellResult(stuck, runtime: launcher.spec.name, kernelTFO: namespaceTFO, outcome: .failed,
                                                    reason: "the worker exited without running this cell")
                        remaining.removeFirst()
                    }
                case .exited:
                    break
                }
                if summary.error != nil { break }
            } catch let error as EnvironmentError {
                skipRemaining(error.description)
            } catch let error as RuntimeError {
                summary.error = error.message
                break
            } catch {
                summary.error = "\(error)"
                break
            }
        }
        return Run(summary: summary, results: cells.compactMap { results[$0] })
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
    private func runWorker(_ configuration: WorkerConfiguration, summary: inout RuntimeSummary,
                           finish: (CellResult) -> Void) throws -> WorkerEnd {
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments: launcher.command + ["worker"] + configuration.arguments,
                                     environment: launcher.environment)
        } catch where [EMFILE, ENFILE, ENOMEM, EAGAIN].contains(error.errno) {
            // The machine's limits (ulimit -n, -u, -v), not the runtime: nothing can be probed.
            throw EnvironmentError("cannot start a worker: \(error.operation) failed: \(ErrnoName.describe(error.errno))")
        } catch {
            throw RuntimeError(runtime: launcher.spec.name, message: "cannot start a worker: \(error)")
        }
        let reader = LineReader(child: child)

        // The hello: proof of which OpenSSL the worker really loaded.
        guard case .line(let first) = reader.next(until: .after(seconds: Self.startupLimit)),
              let hello = WorkerMessage.parse(first)?.hello else {
            child.kill()
            let status = child.wait()
            return .lost("the worker did not start (\(status))" + stderrSuffix(reader))
        }
        if let namespaceError = hello.namespaceError {
            throw EnvironmentError(namespaceError)
        }
        if let setupError = hello.setupError {
            throw RuntimeError(runtime: launcher.spec.name, message: setupError)
        }
        try launcher.verify(hello)
        summary.accept(hello)
        summary.libssl = launcher.abi(of: hello)

        var current: (cell: Cell, started: Deadline)?
        var kernelTFO: Int? { hello.environment.tcpFastopen }
        while true {
            let limit = current.map { $0.started.adding(seconds: timeout + Self.overrunMargin) } ?? .after(seconds: Self.startupLimit)
            switch reader.next(until: limit) {
            case .line(let line):
                guard let message = WorkerMessage.parse(line) else { continue }
                if let name = message.start, let cell = Cell(name: name) {
                    current = (cell, .now)
                    progress?(.started(runtime: launcher.spec.name, cell: cell.name))
                } else if let result = message.result {
                    finish(result)
                    current = nil
                }
            case .end:
                let status = child.wait()
                reader.drainStderr()
                if let (cell, started) = current {
                    var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: kernelTFO, outcome: .crashed)
                    if case .signaled(let signal) = status { result.signal = SignalName.of(signal) }
                    result.reason = "the worker died (\(status)) during the cell" + stderrSuffix(reader)
                    result.durationMilliseconds = started.millisecondsUntilNow
                    finish(result)
                } else if status != .exited(0) {
                    return .lost("the worker failed between cells (\(status))" + stderrSuffix(reader))
                }
                return .exited
            case .timedOut:
                child.kill()
                child.wait()
                guard let (cell, started) = current else {
                    return .lost("the worker stopped answering between cells")
                }
                var result = CellResult(cell, runtime: launcher.spec.name, kernelTFO: kernelTFO, outcome: .timeout,
                                        reason: "no result within the \(timeout) s deadline; the worker was killed")
                result.durationMilliseconds = started.millisecondsUntilNow
                finish(result)
                return .exited
            }
        }
    }

    private func stderrSuffix(_ reader: LineReader) -> String {
        let tail = reader.stderrTail
        return tail.isEmpty ? "" : "; it said: \(tail)"
    }
}
