import Foundation
import Matrix
import Synchronization

/// One line on stderr while a run goes on, when stderr is a terminal: cells done
/// of the total, the cell running, the time so far. Redrawn on a timer, so a
/// hung cell shows its seconds going up instead of a silent terminal; erased at
/// the end. Nothing at all when stderr is piped or a file.
///
/// `@unchecked`: the state is behind a mutex, and the timer is set up in `init`
/// and only cancelled afterwards, which Dispatch allows from any thread.
final class ProgressLine: @unchecked Sendable {
    private struct State {
        var done = 0
        var running: [String: String] = [:]
        /// The step of a runtime being fetched or built, until the cells start.
        var preparing: String?
    }

    private let total: Int
    private let started = Date()
    private let state = Mutex(State())
    private let timer: any DispatchSourceTimer

    /// `nil` when stderr is no terminal, or one (`TERM=dumb`) that cannot erase a line.
    static func start(total: Int) -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1, ProcessInfo.processInfo.environment["TERM"] != "dumb" else { return nil }
        return ProgressLine(total: total)
    }

    private init(total: Int) {
        self.total = total
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(250))
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
    }

    func record(_ event: MatrixProgress) {
        state.withLock { state in
            switch event {
            case .preparing(let runtime, let step): state.preparing = "\(runtime): \(step)"
            case .started(let runtime, let cell):
                state.preparing = nil
                state.running[runtime] = cell
            case .finished(let runtime, _):
                state.done += 1
                state.running[runtime] = nil
            }
        }
    }

    /// Erases the line; the report follows on stdout.
    func stop() {
        timer.cancel()
        Terminal.redrawLine("")
    }

    private func draw() {
        let (done, running, preparing) = state.withLock { ($0.done, $0.running.sorted { $0.key < $1.key }.first, $0.preparing) }
        let elapsed = String(format: "%.1f s", Date().timeIntervalSince(started))
        var text = "[\(done)/\(total)] \(elapsed)"
        if let preparing {
            text += " · " + preparing
        } else if let (runtime, cell) = running {
            text += " · \(runtime) \(cell)"
        }
        let width = 78
        if text.count > width { text = String(text.prefix(width)) }
        Terminal.redrawLine(text)
    }
}
