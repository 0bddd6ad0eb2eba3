import ArgumentParser
import Foundation
import Matrix
import ProcessKit

/// `tlsprobe worker`: the process the matrix runs each runtime's cells in.
/// Not for users; it speaks the JSON-lines protocol of `WorkerMessage` on the private
/// descriptor 3 its supervisor opens for it. Its stdout and stderr are only
/// diagnostics: a plug-in that prints cannot write into the protocol.
/// Its arguments are `WorkerConfiguration`'s, which both writes and reads them.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run cells for the matrix (internal).",
        shouldDisplay: false
    )

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    /// The protocol's descriptor, when it is what a supervisor opens: a pipe.
    static let channel = ChildProcess.messageDescriptor

    func run() throws {
        // The parent asks what a plug-in calls itself without loading it in its own process.
        if arguments.first == "--describe-plugin" {
            guard arguments.count == 4, arguments[2] == "--parent", let parent = Int32(arguments[3]), parent > 0 else {
                throw ValidationError("worker --describe-plugin needs PATH --parent PID")
            }
            try Self.requireChannel()
            // A plug-in that hangs while it loads or names itself dies with the parent.
            guard Worker.bindToParent(pid: parent) else { _exit(ExitStatus.success.rawValue) }
            BIOPluginDescriber.describe(path: arguments[1]) { Self.send($0.line()) }
            _exit(ExitStatus.success.rawValue)
        }
        let configuration: WorkerConfiguration
        do {
            configuration = try WorkerConfiguration(arguments: arguments)
        } catch {
            throw ValidationError(error.description)
        }
        try Self.requireChannel()
        guard Worker.bindToParent(configuration) else { _exit(ExitStatus.success.rawValue) }
        // Before any thread exists and before OpenSSL allocates anything.
        let namespaceProblem = Worker.prepareProcess(configuration)
        Worker.run(configuration, namespaceProblem: namespaceProblem) { message in
            // One write per line, so the supervisor never sees half a message before a crash.
            Self.send(message.line())
        }
        // Every message is out (unbuffered writes) and every thread the worker started
        // has been joined: end here, without running OpenSSL's atexit cleanup, which
        // has nothing left to do for a process about to vanish and only risks races.
        _exit(ExitStatus.success.rawValue)
    }

    /// Refuses to run without the supervisor's pipe on descriptor 3, rather than write the
    /// protocol into whatever else might be there (or nowhere). It is kept from programs a
    /// plug-in might exec (close-on-exec); a process it forks still inherits it.
    static func requireChannel() throws(ValidationError) {
        var status = stat()
        guard fstat(channel, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else {
            throw ValidationError("worker: descriptor \(channel) is not a pipe; workers speak to the tlsprobe that starts them (matrix, gate) over it, and are not run by hand")
        }
        _ = fcntl(channel, F_SETFD, fcntl(channel, F_GETFD) | FD_CLOEXEC)
    }

    /// Writes one protocol line; a supervisor that is gone ends the worker, quietly.
    static func send(_ line: String) {
        do {
            try Terminal.writeAll(line, to: channel)
        } catch {
            _exit(ExitStatus.success.rawValue)
        }
    }
}
