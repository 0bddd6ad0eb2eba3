import ArgumentParser
import Foundation
import Matrix
import MatrixModel
import ProcessKit
import ReportRendering

// A helper's guard (`tlsprobe guard`) does nothing else, and must start while this
// process has a single thread: it forks.
if HelperGuard.isRequested(CommandLine.arguments) {
    exit(HelperGuard.run(CommandLine.arguments))
}
// A run inside a private network namespace enters it now, while this process has one thread.
RunNamespace.enterIfRequested(CommandLine.arguments)

// SIGPIPE is ignored: OpenSSL's socket BIO writes with write(2),
// which raises SIGPIPE on a socket whose peer is gone or that never connected
// (the socket-conn-address trap). Proxies ignore it; every probe, loopback
// server and worker of this process must see EPIPE instead of dying.
signal(SIGPIPE, SIG_IGN)
// Likewise a file-size limit (`ulimit -f`) must make write(2) fail with EFBIG, which
// is reported and cleaned up after, rather than kill the process mid-file.
signal(SIGXFSZ, SIG_IGN)
TerminationSignals.install()
ChildProcess.guardExecutable = MatrixRunner.currentExecutable
// The commands that write temporary files (a fetch's downloads, a worker build, an audit's
// unpacking) write them in one private folder, removed on every exit path; the folders
// of runs that were killed outright go first.
if TLSProbe.writesTemporaryFiles(CommandLine.arguments) {
    PrivateFolder.removeLeftovers()
    do {
        // No room for the run's descriptors, threads and children is exit 3 now, not a hang in
        // Dispatch, timeouts or a runtime misread as damaged later.
        try ResourceLimit.requireDescriptorRoom()
        try ResourceLimit.requireProcessRoom()
        _ = try PrivateFolder.make()
    } catch {
        Terminal.writeError("tlsprobe: \(error)\n")
        exit(ExitStatus.environment.rawValue)
    }
}

// `tlsprobe --version` tells everything a bug report needs; it is answered here,
// not by the root command's configuration, so that no other command (least of
// all a worker, which must install OpenSSL's allocation hooks first) measures anything.
if Array(CommandLine.arguments.dropFirst()) == ["--version"] {
    Terminal.write(VersionRenderer().render(EnvironmentFacts.gather(), build: BuildIdentity.current))
    exit(ExitStatus.success.rawValue)
}

// Usage errors exit 2 with one line naming the valid values, as tlsprobe's
// exit-code contract says (ArgumentParser's own default is 64, and it lists
// long value sets one per line).
do {
    var command = try TLSProbe.parseAsRoot()
    try command.run()
} catch {
    if TLSProbe.exitCode(for: error) == .validationFailure {
        if let message = TLSProbe.unknownCommandMessage(Array(CommandLine.arguments.dropFirst())) {
            Terminal.writeError("tlsprobe: \(message)\n")
            exit(ExitStatus.usage.rawValue)
        }
        Terminal.writeError("tlsprobe: \(oneLine(TLSProbe.message(for: error)))\n")
        exit(ExitStatus.usage.rawValue)
    }
    TLSProbe.exit(withError: error)
}

/// "… one of the following:\n - fd\n - legacy-fastopen" → "… one of the following: fd, legacy-fastopen".
func oneLine(_ message: String) -> String {
    let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard let head = lines.first else { return message }
    let items = lines.dropFirst().map { $0.hasPrefix("- ") ? String($0.dropFirst(2)) : $0 }
    return items.isEmpty ? head : "\(head) \(items.joined(separator: ", "))"
}
