import ArgumentParser
import ReportRendering
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
            is too low; 128+N ended by signal N, after ending everything it started (141, as SIGPIPE, \
            when the reader of its output is gone: tlsprobe matrix | head).
            """,
        version: ToolVersion.current,
        subcommands: [MatrixCommand.self, GateCommand.self, AuditCommand.self, RunCommand.self, MergeCommand.self, EnvCommand.self, RuntimeCommand.self, WorkerCommand.self]
    )

    /// The usage error for a command line that names no subcommand where one is due
    /// (`tlsprobe matrx`, `tlsprobe runtime fech`): the nearest visible name within two edits,
    /// else the visible names. `nil` when every leading word names a subcommand, so that a
    /// command line that failed to parse for another reason keeps ArgumentParser's message.
    /// `arguments` excludes the program's name.
    static func unknownCommandMessage(_ arguments: [String]) -> String? {
        var command: any ParsableCommand.Type = TLSProbe.self
        for argument in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !argument.hasPrefix("-") else { return nil }
            if let next = subcommands.first(where: { $0._commandName == argument }) {
                command = next
                continue
            }
            // ArgumentParser's own `tlsprobe help matrix`.
            guard argument != "help" else { return nil }
            let visible = subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
            let shown = TerminalText.escape(argument)
            if let suggestion = Suggestion.nearest(to: argument, in: visible) {
                return "unknown command '\(shown)'; did you mean '\(suggestion)'?"
            }
            return "unknown command '\(shown)'; expected one of \(visible.joined(separator: ", "))"
        }
        return nil
    }

    /// The subcommands that may fetch, build or unpack, and so get a private temporary folder.
    static let temporaryFileCommands: Set<String> = ["matrix", "gate", "audit", "run", "runtime"]

    /// Whether the command line (`arguments[0]` the program) names one of `temporaryFileCommands`.
    static func writesTemporaryFiles(_ arguments: [String]) -> Bool {
        guard let command = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }) else { return false }
        return temporaryFileCommands.contains(command)
    }
}
