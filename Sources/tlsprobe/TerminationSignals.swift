import CLinux
import Foundation
import ProxyCore

/// SIGINT, SIGTERM, SIGHUP and SIGQUIT end a run and everything it started: the
/// parent kills the process group of each worker, asks each helper's guard to end its
/// tree (`tlsprobe guard`), reaps them, removes the run's private folder and exits as
/// the signal would have (128 + N). A normal or an error exit does the same at `exit()`.
///
/// Plain `sigaction` handlers that only do async-signal-safe work (CLinux's
/// `tlsprobe_install_termination_handlers`), not Dispatch signal sources: a source
/// needs a thread to run its handler, and a process at its limit of processes
/// (`ulimit -u`) has none to give, so the signal was ignored for good. Workers and
/// guards also die with their parent on their own (parent-death signals), so even a
/// SIGKILLed parent leaves nothing behind; its folder goes at the next start.
enum TerminationSignals {
    /// Called once, from `main`, before anything starts a child.
    static func install() {
        let failure = tlsprobe_install_termination_handlers()
        if failure != 0 {
            Terminal.writeError("tlsprobe: cannot handle termination signals: \(ErrnoName.describe(failure))\n")
            exit(ExitStatus.environment.rawValue)
        }
    }
}
