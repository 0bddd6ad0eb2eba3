import ArgumentParser
import Foundation
import ProbeKit

/// `tlsprobe worker`: the process the matrix runs each runtime's cells in.
/// Not for users; it speaks the JSON-lines protocol of `WorkerMessage` on stdout.
/// Its arguments are `WorkerConfiguration`'s, which both writes and reads them.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run cells for the matrix (internal).",
        shouldDisplay: false
    )

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []

    func run() throws {
        // The parent asks what a plug-in calls itself without loading it in its own process.
        if arguments.count == 2, arguments[0] == "--describe-plugin" {
            let description = BIOPluginDescriber.describe(path: arguments[1])
            Terminal.write(String(decoding: try JSONEncoder().encode(description), as: UTF8.self) + "\n")
            _exit(0)
        }
        let configuration: WorkerConfiguration
        do {
            configuration = try WorkerConfiguration(arguments: arguments)
        } catch {
            throw ValidationError(error.description)
        }
        guard Worker.bindToParent(configuration) else { _exit(0) }
        // Before any thread exists and before OpenSSL allocates anything.
        let namespaceProblem = Worker.prepareProcess(configuration)
        Worker.run(configuration, namespaceProblem: namespaceProblem) { message in
            // One write per line, so the supervisor never sees half a message before a crash.
            Terminal.write(message.line())
        }
        // Every message is out (unbuffered writes) and every thread the worker started
        // has been joined: end here, without running OpenSSL's atexit cleanup, which
        // has nothing left to do for a process about to vanish and only risks races.
        _exit(0)
    }
}
