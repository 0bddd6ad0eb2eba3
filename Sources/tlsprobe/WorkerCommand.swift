import ArgumentParser
import Foundation
import ProbeKit

/// `tlsprobe worker`: the process the matrix runs each runtime's cells in.
/// Not for users; it speaks the JSON-lines protocol of `WorkerMessage` on stdout.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run cells for the matrix (internal).",
        shouldDisplay: false
    )

    @Option(name: .customLong("runtime-name")) var runtimeName: String
    @Option var timeout: Double
    @Option(name: .customLong("cell")) var cells: [String] = []
    @Option(name: .customLong("debug-crash")) var debugCrash: [String] = []
    @Option(name: .customLong("debug-hang")) var debugHang: [String] = []
    @Option(name: .customLong("netns-tfo")) var namespaceTFO: Int?

    func run() throws {
        var parsed: [Cell] = []
        for name in cells {
            guard let cell = Cell(name: name) else { throw ValidationError("not a cell name: \(name)") }
            parsed.append(cell)
        }
        let configuration = WorkerConfiguration(runtimeName: runtimeName, cells: parsed, timeout: timeout,
                                                debugCrash: Set(debugCrash), debugHang: Set(debugHang),
                                                namespaceTFO: namespaceTFO)
        // Before any thread exists and before OpenSSL allocates anything.
        let namespaceProblem = Worker.prepareProcess(configuration)
        Worker.run(configuration, namespaceProblem: namespaceProblem) { message in
            // One write per line, so the supervisor never sees half a message before a crash.
            Terminal.write(message.line())
        }
    }
}
