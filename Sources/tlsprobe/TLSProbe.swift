import ArgumentParser
import ToolCore

/// The root command. Subcommands parse, call the library modules, render and set the exit code;
/// nothing below them prints or exits.
struct TLSProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsprobe",
        abstract: "Probe OpenSSL socket BIOs and TCP Fast Open against a loopback TLS server.",
        discussion: """
            Exit codes: 0 success; 1 an expectation failed (a proxy-core cell did not pass); \
            2 usage error; 3 the environment cannot run probes at all, or a resource limit (ulimit -u, -n, -v) \
            is too low; 128+N ended by signal N, after ending everything it started.
            """,
        version: ToolVersion.current,
        subcommands: [MatrixCommand.self, GateCommand.self, AuditCommand.self, MergeCommand.self, EnvCommand.self, RuntimeCommand.self, WorkerCommand.self]
    )

    /// The subcommands that may fetch, build or unpack, and so get a private temporary folder.
    static let temporaryFileCommands: Set<String> = ["matrix", "gate", "audit", "runtime"]

    /// Whether the command line (`arguments[0]` the program) names one of `temporaryFileCommands`.
    static func writesTemporaryFiles(_ arguments: [String]) -> Bool {
        guard let command = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }) else { return false }
        return temporaryFileCommands.contains(command)
    }
}
