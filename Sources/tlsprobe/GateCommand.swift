import AuditClassification
import ArgumentParser
import BinaryAudit
import Foundation
import MatrixAnalysis
import MatrixModel
import ReportRendering
import RunModel
import ToolCore

/// `tlsprobe gate`: runs the matrix and exits 0 or 1 on the conditions a CI job
/// states, printing one line per condition: which held, which did not, and why.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Run the matrix and exit 0 when every stated condition holds, 1 when one does not.",
        discussion: """
            Prints one line per condition (PASS or FAIL, and why; UNDECIDED when nothing could be probed) and, with --output, the reports' paths. \
            With --output - or --format without --output, the report itself goes to stdout and those lines to stderr. \
            With --audit PATH…, the files given are audited as tlsprobe audit does, and a condition 'audit' \
            fails when one is of the --fail-on class (default affected-pattern) or could not be read. \
            With --run-report FILE…, each JSON report of tlsprobe run --output json:FILE is a condition 'run FILE' \
            that fails when a runtime's outcome was affected, failed, crashed, timeout or unobservable, or when \
            the program ran on no runtime (unless --allow-skipped); a file that is no run report is a usage error. \
            The modes the conditions need (--require, and legacy-fastopen for --fail-if-affected) are probed \
            even when --mode leaves them out. Exit codes: 0 every condition held; 1 one did not; \
            2 usage error or an unusable runtime; 3 the environment cannot run probes at all.
            """
    )

    @OptionGroup(title: "Matrix options") var matrix: MatrixOptions

    @Option(name: .customLong("require"),
            help: ArgumentHelp("Modes whose every cell must be ok, comma-separated or repeated (default: proxy-core). unsupported fails the requirement; skipped fails it only with --strict.",
                               valueName: "modes"))
    var require: [String] = []

    @Flag(help: "Count skipped cells of required modes as failures.")
    var strict = false

    @Flag(name: .customLong("allow-skipped"),
          help: "Let a required mode pass when every one of its cells was skipped (by default a mode with no ok cell fails), and a --run-report whose program ran on no runtime (every one unsupported or skipped).")
    var allowSkipped = false

    @Option(name: .customLong("openssl-range"),
            help: ArgumentHelp("Every runtime's OpenSSL version must be in this range: comparisons (>=, >, <=, <, ==, =) joined by commas, e.g. '>=3.0.0, <3.2.0' or '>=3.2'. Missing numbers count as 0, except that ==3.0 matches the whole 3.0 series.",
                               valueName: "range"))
    var openSSLRange: String?

    @Flag(name: .customLong("fail-if-affected"),
          help: "Fail when legacy-fastopen reproduces the OpenSSL 3.2 regression on any runtime (a TFO-off first write that passed address length 0 to sendto).")
    var failIfAffected = false

    @Option(name: .customLong("audit"), parsing: .upToNextOption,
            help: ArgumentHelp("Also audit these ELF files, folders or .deb packages (tlsprobe audit) and fail when one is of the --fail-on class or could not be read.",
                               valueName: "path"),
            completion: .file())
    var audit: [String] = []

    @Option(name: .customLong("fail-on"),
            help: ArgumentHelp("With --audit: the class that fails the audit condition, affected-pattern (default) or inherits-socket-bio (which includes affected-pattern).",
                               valueName: "class"))
    var failOn: AuditFailureThreshold?

    @Option(name: .customLong("run-report"),
            help: ArgumentHelp("A JSON report of tlsprobe run (--output json:FILE); repeat for several. Each is a condition 'run FILE': it fails when a runtime's outcome is a failure (affected, failed, crashed, timeout, unobservable) or when the program ran on no runtime.",
                               valueName: "file.json"),
            completion: .file(extensions: ["json"]))
    var runReports: [String] = []

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        try reportOptions.validateMatrixReport(command: "gate")
        _ = try gate()
        if failIfAffected, matrix.tfo == .on {
            throw ValidationError("--fail-if-affected needs the TFO-off cells: use --tfo off or both")
        }
        if failIfAffected, matrix.phase == .teardown {
            throw ValidationError("--fail-if-affected needs the handshake cells: use --phase handshake or both")
        }
        if failOn != nil, audit.isEmpty {
            throw ValidationError("--fail-on applies to --audit PATH…: give the files to audit")
        }
    }

    /// The conditions, parsed; a malformed one is a usage error naming what was expected.
    func gate() throws(ValidationError) -> Gate {
        let modes = try ModeList.parse(require, option: "--require")
        var range: VersionRange?
        if let openSSLRange {
            do {
                range = try VersionRange(openSSLRange)
            } catch {
                throw ValidationError("--openssl-range: \(error)")
            }
        }
        return Gate(requiredModes: modes.isEmpty ? [.proxyCore] : modes.uniqued(), strict: strict, allowSkipped: allowSkipped,
                    openSSLRange: range, failIfAffected: failIfAffected,
                    auditFailOn: audit.isEmpty ? nil : (failOn ?? .affectedPattern), runReports: runReports.uniqued())
    }

    /// The word a condition's line starts with. PASS only where the exit status follows from the
    /// conditions (0, or 1 for another condition that failed): a run that probed nothing exits 3
    /// whatever they say, so a condition that held on no probed cell (`--allow-skipped`) is
    /// UNDECIDED, never a PASS a reader of the log would take for the gate's answer.
    static func label(_ verdict: GateVerdict, status: ExitStatus) -> String {
        guard verdict.passed else { return "FAIL" }
        return status == .success || status == .expectationFailed ? "PASS" : "UNDECIDED"
    }

    /// PASS green, FAIL red, UNDECIDED yellow, as `--color` decides.
    static func colored(_ label: String, _ color: Bool) -> String {
        guard color else { return label }
        let code = switch label {
        case "PASS": "1;32"
        case "FAIL": "1;31"
        default: "1;33"
        }
        return "\u{1B}[\(code)m\(label)\u{1B}[0m"
    }

    /// Every `--run-report`, read and checked before anything is probed: a file that is not
    /// a run report this tlsprobe reads is one line on stderr and exit 2.
    static func readRunReports(_ paths: [String]) throws -> [Gate.RunInput] {
        var inputs: [Gate.RunInput] = []
        for path in paths {
            do {
                inputs.append(Gate.RunInput(source: path, report: try RunReportReader.read(try MergeCommand.read(path), source: path)))
            } catch let error as InputError {
                Terminal.writeError("tlsprobe: --run-report \(TerminalText.escape(error.description))\n")
                throw ExitStatus.usage.exitCode
            } catch {
                Terminal.writeError("tlsprobe: --run-report \(TerminalText.escape(path)): cannot read: \(error)\n")
                throw ExitStatus.usage.exitCode
            }
        }
        return inputs
    }

    func run() throws {
        let gate = try gate()
        // The run reports first: a wrong file ends the gate before a second of probing.
        let runs = try Self.readRunReports(gate.runReports)
        // The audit first: it takes a second, and an unusable libelf ends the run before any probe.
        var auditReport: AuditReport?
        if let failOn = gate.auditFailOn {
            do {
                try Auditor.checkEnvironment()
            } catch {
                Terminal.writeError("tlsprobe: \(error)\n")
                throw ExitStatus.environment.exitCode
            }
            auditReport = Auditor(paths: audit, failOn: failOn).run()
            AuditCommand.reportErrors(auditReport!)
        }
        var plan = matrix.plan
        plan.modes = (plan.modes + gate.modesNeeded).uniqued()
        var report = try ProbeRun.run(plan, plugins: matrix.plugins, fetch: matrix.fetch)
        let destination = reportOptions.destination
        // With a report on stdout (`--output -`, or `--format` without `--output`), the lines go to stderr.
        let stdoutReport = destination.gateStdoutFormat
        func say(_ line: String) {
            if stdoutReport != nil { Terminal.writeError(line) } else { Terminal.write(line) }
        }
        func writeReports(_ report: Report) throws {
            try destination.writeFiles(report)
            if let stdoutReport {
                Terminal.write(try ReportOutput.render(report, hosts: [], as: stdoutReport, style: destination.style))
            }
        }
        func sayPaths() {
            for target in destination.files { say("report: \(target.path) (\(target.format.rawValue))\n") }
        }
        // A runtime that could not be probed leaves the conditions undecided: the
        // reports say what ran, without a gate object, and the exit code is 2.
        guard report.runtimeErrors.isEmpty else {
            try writeReports(report)
            sayPaths()
            throw ExitStatus.usage.exitCode
        }
        let verdicts = gate.evaluate(report, audit: auditReport, runs: runs)
        let nothingProbed = report.cells.allSatisfy { $0.outcome == .skipped }
        let status = ExitStatus(gatePassed: verdicts.allSatisfy(\.passed), nothingProbed: nothingProbed,
                                pluginRanNowhere: !ProbeRun.pluginsThatRanNowhere(report).isEmpty)
        // The reports, the lines below and the exit status all come from `outcome`, which records `status`.
        let outcome = gate.outcome(verdicts, exitCode: Int(status.rawValue))
        report.gate = outcome
        try writeReports(report)
        let style = destination.style
        for verdict in outcome.verdicts {
            let label = Self.label(verdict, status: status)
            // --quiet keeps what a reader must act on: the conditions that did not hold.
            if style.quiet, label == "PASS" { continue }
            say("\(Self.colored(label, style.color)) \(verdict.condition): \(verdict.detail)\n")
        }
        say("verdict: \(report.verdict)\n")
        sayPaths()
        if nothingProbed { try ProbeRun.requireSomethingProbed(report) }
        try ProbeRun.requirePluginsRan(report)
        if status != .success { throw status.exitCode }
    }
}
