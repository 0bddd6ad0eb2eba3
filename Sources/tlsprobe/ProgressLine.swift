import Foundation
import Synchronization

/// One line on stderr while a command runs, when stderr is a terminal: what `describe`
/// says of the run so far (`MatrixProgressTally` for `matrix`, `AuditProgressTally` for
/// `audit`). Redrawn on a timer, so a hung cell or a long package shows its seconds going
/// up instead of a silent terminal; erased at the end. Nothing at all when stderr is
/// piped or a file (a CI log never gets one).
///
/// `@unchecked`: `describe` reads state behind its own mutex, and the timer is set up in
/// `init` and only cancelled afterwards, which Dispatch allows from any thread.
final class ProgressLine: @unchecked Sendable {
    private let started = Date()
    private let timer: any DispatchSourceTimer
    private let describe: @Sendable (_ elapsed: TimeInterval) -> String
    /// Whether a line is on the terminal now: `Terminal.writeError` erases it first, so a
    /// message in the middle of a run starts at the left margin (the next redraw follows it).
    static let isShowing = Atomic(false)

    /// `nil` when stderr is no terminal, or one (`TERM=dumb`) that cannot erase a line.
    static func start(describe: @escaping @Sendable (_ elapsed: TimeInterval) -> String) -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1, ProcessInfo.processInfo.environment["TERM"] != "dumb" else { return nil }
        return ProgressLine(describe: describe)
    }

    private init(describe: @escaping @Sendable (_ elapsed: TimeInterval) -> String) {
        self.describe = describe
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(250))
        timer.setEventHandler { [weak self] in self?.draw() }
        Self.isShowing.store(true, ordering: .relaxed)
        timer.resume()
    }

    /// Erases the line; the report follows on stdout.
    func stop() {
        timer.cancel()
        Self.isShowing.store(false, ordering: .relaxed)
        Terminal.redrawLine("")
    }

    /// Draws the line now, between ticks: for news the reader should not wait a tick for.
    func redraw() {
        draw()
    }

    private func draw() {
        var text = describe(Date().timeIntervalSince(started))
        let width = 78
        if text.count > width { text = String(text.prefix(width)) }
        Terminal.redrawLine(text)
    }
}
