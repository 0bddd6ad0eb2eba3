import ArgumentParser
import Foundation
import MatrixModel
import ReportRendering

/// `tlsprobe env`: the facts every report carries, without running probes.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Show the kernel, TCP Fast Open, capability and OpenSSL facts of this machine."
    )

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    func run() throws {
        let facts = EnvironmentFacts.gather()
        switch format {
        case .text: Terminal.write(EnvironmentRenderer().render(facts))
        case .json:
            Terminal.write(try JSONCoding.document(EnvironmentDocument(facts)))
        }
    }
}
