import Foundation
import Matrix
import Synchronization

/// What `matrix`'s progress line says: cells done of the total, the cell running (or the
/// runtime being fetched or built), the time so far. Fed by `MatrixRunner.progress` from
/// any thread.
final class MatrixProgressTally: Sendable {
    private struct State {
        var done = 0
        var running: [String: String] = [:]
        /// The step of a runtime being fetched or built, until the cells start.
        var preparing: String?
    }

    private let total: Int
    private let state = Mutex(State())

    init(total: Int) {
        self.total = total
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

    func line(elapsed: TimeInterval) -> String {
        let (done, running, preparing) = state.withLock { ($0.done, $0.running.sorted { $0.key < $1.key }.first, $0.preparing) }
        var text = "[\(done)/\(total)] " + String(format: "%.1f s", elapsed)
        if let preparing {
            text += " · " + preparing
        } else if let (runtime, cell) = running {
            text += " · \(runtime) \(cell)"
        }
        return text
    }
}
