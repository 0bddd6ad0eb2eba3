import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// `tlsprobe guard PARENT -- PROGRAM ARGS…`, hidden: how the parent runs a helper program
/// (apt-get, dpkg-deb, a worker build) so that it and everything it starts die with tlsprobe.
///
/// The guard is a child subreaper with a parent-death signal, so neither a SIGKILLed parent
/// nor a helper that moves its children to another process group or session leaves anything
/// running; the work is C (`tlsprobe_guard`) because it forks and must set the program's own
/// death signal between fork and exec. It runs before anything else in `main`, while the
/// process has one thread.
enum HelperGuard {
    static let subcommand = "guard"

    /// Whether `arguments` (the whole command line) ask for the guard.
    static func isRequested(_ arguments: [String]) -> Bool {
        arguments.count > 1 && arguments[1] == subcommand
    }

    /// Runs the guard and returns the status to exit with: the program's own, 128 + N when a
    /// signal N ended it (set in C), or `usage` for a malformed command line.
    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count > 4, arguments[3] == "--", let parent = Int32(arguments[2]), parent > 0,
              arguments[4].hasPrefix("/") else {
            Terminal.writeError("tlsprobe: guard is internal: tlsprobe guard PARENT-PID -- /PATH/TO/PROGRAM [ARGUMENTS]\n")
            return ExitStatus.usage.rawValue
        }
        let argv = arguments.dropFirst(4).map { strdup($0) } + [nil]
        return tlsprobe_guard(parent, argv)
    }
}
