import ArgumentParser
import ProbeKit

/// The root command. Subcommands parse, call ProbeKit, render and set the exit code;
/// nothing below them prints or exits.
struct TLSProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsprobe",
        abstract: "Probe OpenSSL socket BIOs and TCP Fast Open against a loopback TLS server.",
        discussion: """
            Exit codes: 0 success; 1 an expectation failed (a proxy-core cell did not pass); \
            2 usage error; 3 the environment cannot run probes at all.
            """,
        version: ToolVersion.current,
        subcommands: [MatrixCommand.self, GateCommand.self, AuditCommand.self, MergeCommand.self, EnvCommand.self, RuntimeCommand.self, WorkerCommand.self, BenchThroughputCommand.self]
    )
}
