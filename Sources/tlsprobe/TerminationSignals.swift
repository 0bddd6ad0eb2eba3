import Foundation
import ProbeKit

/// SIGINT, SIGTERM and SIGHUP end a run and every worker it started: the parent
/// kills and reaps its workers, then exits as the signal would have (128 + N).
/// Workers also die with their parent on their own (`Worker.bindToParent`), so
/// even a SIGKILLed parent leaves no worker behind.
enum TerminationSignals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Called once, from `main`, before anything starts a worker.
    static func forwardToWorkers() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            // The default action would end the process at once; the source handles it instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                ChildProcess.killAll()
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
