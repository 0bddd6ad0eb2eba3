import ArgumentParser
import Foundation
import ProbeKit

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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Terminal.write(String(decoding: try encoder.encode(facts), as: UTF8.self) + "\n")
        }
    }
}
