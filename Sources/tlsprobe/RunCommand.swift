import ArgumentParser
import Foundation
import Matrix
import MatrixModel
import ProcessKit
import ProgramRun
import ReportRendering
import RunModel
import ToolCore

/// `tlsprobe run`: the user's real program under each OpenSSL runtime, watched at the C
/// library's boundary by a preloaded observer, with an origin and a request of tlsprobe's
/// own when asked; one verdict per runtime, drawn from what the program really did.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run your program under other OpenSSL lines and watch its first TLS writes.",
        discussion: """
            Each runtime whose libssl ABI matches the program's (its DT_NEEDED libssl, directly or through its libraries) \
            starts PROGRAM through the runtime's own loader and libraries with tlsprobe's observer preloaded; other runtimes \
            are unsupported. The observer records each TCP socket's first TLS write (call, MSG_FASTOPEN, address length \
            against what the family needs, result and errno) and which libssl every process really loaded. \
            --origin starts a loopback HTTPS origin and fills {origin} (127.0.0.1:PORT), {origin-v6} ([::1]:PORT), \
            {origin-port} and {ca} (its CA file) in ARGS. --request URL waits for a server program to listen, \
            sends GET and records the status, then stops the program. \
            Verdicts: ok, AFFECTED (a destination of the wrong length: the OpenSSL 3.2 regression), failed, crashed, \
            timeout, unsupported, unobservable (static, setuid, no TLS seen, another libssl loaded), skipped. \
            Exit codes: 0 every runtime that ran was ok; 1 one was not; 2 usage error (bad flag, program missing or not ELF, \
            unusable runtime); 3 nothing could run. See docs/run.md.
            """
    )

    @Option(name: .customLong("runtime"),
            help: ArgumentHelp("An OpenSSL runtime to run the program on; repeat for several (default: system, plus trixie where this host's OpenSSL predates the 3.2 change). system, all, a suite (bookworm, trixie, sid, bullseye, experimental), a series (3.0, 3.5, …) or a folder.",
                               valueName: "runtime"))
    var runtimes: [String] = []

    @OptionGroup(title: "Fetching runtimes") var fetch: FetchOptions

    @Flag(help: "Start a loopback HTTPS origin with a CA of its own, and fill {origin}, {origin-v6}, {origin-port} and {ca} in ARGS.")
    var origin = false

    @Option(name: .customLong("origin-port"),
            help: ArgumentHelp("The origin's port, for configuration files written beforehand (default: one the kernel picks).", valueName: "port"))
    var originPort: UInt16?

    @Option(help: ArgumentHelp("Once the program listens, send GET to this plain http:// loopback URL, record the status, then stop the program.",
                               valueName: "url"))
    var request: String?

    @Option(help: ArgumentHelp("Longest a run of the program may take on one runtime, in seconds (default: 30).", valueName: "seconds"))
    var timeout: Double = 30

    @Option(name: .customLong("kernel-tfo"), parsing: .unconditional,
            help: ArgumentHelp("Also run in private network namespaces with these tcp_fastopen values, comma-separated (decimal or 0x hex); needs CAP_SYS_ADMIN and CAP_NET_ADMIN. The host's setting is never changed.",
                               valueName: "values"))
    var kernelTFO: String?

    /// Set by the parent for a run inside a private network namespace (entered in main,
    /// before any thread): that process runs the program and prints the JSON report.
    @Option(name: .customLong(RunNamespace.option), help: .hidden)
    var namespaceChild: Int?

    @OptionGroup var reportOptions: ReportOutputOptions

    @Argument(parsing: .captureForPassthrough,
              help: ArgumentHelp("-- PROGRAM [ARGS…]: the program and its arguments.", valueName: "program"))
    var command: [String] = []

    /// The program and its arguments, without the `--` that introduced them.
    var programAndArguments: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        try reportOptions.validateRunReport(command: "run")
        guard let program = programAndArguments.first, !program.isEmpty else {
            throw ValidationError("name the program to run: tlsprobe run [OPTIONS] -- PROGRAM [ARGS…]")
        }
        guard timeout > 0, MatrixOptions.timeoutRange.contains(timeout) else {
            throw ValidationError("--timeout must be a positive number of seconds, at most \(Int(MatrixOptions.timeoutRange.upperBound)); got \(timeout)")
        }
        for argument in runtimes { try MatrixOptions.requireRuntime(argument) }
        _ = try kernelTFOValues()
        if let request, case .failure(let problem) = RequestTarget.parse(request) {
            throw ValidationError("--request: \(TerminalText.escape(problem.description))")
        }
        let used = ArgumentTemplate(Array(programAndArguments.dropFirst())).used
        if !origin, !used.isEmpty {
            throw ValidationError("\(used.joined(separator: ", ")) in the program's arguments needs --origin")
        }
        if originPort != nil, !origin { throw ValidationError("--origin-port needs --origin") }
        if originPort == 0 { throw ValidationError("--origin-port must be from 1 to 65535") }
    }

    func kernelTFOValues() throws(ValidationError) -> [Int] {
        try MatrixOptions.kernelTFOValues(kernelTFO).uniqued()
    }

    func run() throws {
        let program = programAndArguments[0]
        let arguments = Array(programAndArguments.dropFirst())
        let facts: ProgramFacts
        do {
            facts = try ProgramInspector.inspect(program: program, arguments: arguments)
        } catch {
            Terminal.writeError("tlsprobe: \(TerminalText.escape(error.description))\n")
            throw ExitStatus.usage.exitCode
        }
        var provisioner = RuntimeProvisioner(executable: MatrixRunner.currentExecutable)
        fetch.apply(to: &provisioner)
        provisioner.step = { runtime, step in Terminal.writeError("tlsprobe: \(runtime): \(step)\n") }
        var specs = runtimes.isEmpty ? [RuntimeSpec.system] : RuntimeSpec.distinct(runtimes.flatMap(RuntimeSpec.parse))
        if runtimes.isEmpty, namespaceChild == nil, let line = MatrixCommand.regressionLine(fetch: fetch, doing: ("running the program on", "runs it only on", "used")) { specs.append(.line(line)) }
        // Every runtime is fetched and checked before anything runs: an unusable one is a usage
        // error now, not a verdict after minutes of runs on the others.
        var folders: [(RuntimeSpec, RuntimeLauncher.Folder?)] = []
        do {
            for spec in specs { folders.append((spec, try RuntimeLauncher.resolve(spec, provisioner: provisioner))) }
        } catch {
            Terminal.writeError("tlsprobe: \(TerminalText.escape(error.description))\n")
            throw ExitStatus.usage.exitCode
        }
        let observer: String
        do {
            observer = try ObserverLibrary.locate(executable: MatrixRunner.currentExecutable, sourceTree: provisioner.sourceTree)
        } catch {
            Terminal.writeError("tlsprobe: \(TerminalText.escape(error.description))\n")
            throw ExitStatus.environment.exitCode
        }
        let target = request.flatMap { try? RequestTarget.parse($0).get() }

        var results: [ProgramRunResult] = []
        var originFacts: OriginFacts?
        var served = 0
        let inNamespace = namespaceChild != nil
        do {
            let runOrigin = try origin ? RunOrigin(port: originPort ?? 0, folder: PrivateFolder.current ?? NSTemporaryDirectory()) : nil
            defer { runOrigin?.stop() }
            originFacts = runOrigin?.facts
            let filled = runOrigin.map { ArgumentTemplate(arguments).filled(with: $0) } ?? arguments
            let runner = ProgramRunner(program: facts, arguments: filled, observer: observer, request: target, seconds: timeout)
            for (spec, folder) in folders {
                if namespaceChild == nil { Terminal.writeError("tlsprobe: running \(facts.path) on \(spec.name)\n") }
                results.append(runner.run(runtime: spec, folder: folder, privateNamespace: inNamespace))
            }
            served = runOrigin?.served ?? 0
        } catch {
            Terminal.writeError("tlsprobe: \(error)\n")
            throw ExitStatus.environment.exitCode
        }
        originFacts?.served = origin ? served : nil
        if namespaceChild == nil {
            for value in try kernelTFOValues() {
                results += RunNamespace.runs(tcpFastopen: value, parent: self, specs: specs)
            }
        }
        let report = RunReport(generatedAt: ISO8601DateFormatter().string(from: Date()), toolVersion: ToolVersion.current,
                               command: CommandLine.arguments, timeoutSeconds: timeout, environment: EnvironmentFacts.gather(),
                               program: facts, origin: originFacts, request: request, results: results)
        if namespaceChild != nil {
            Terminal.write(try JSONCoding.document(report))
            return
        }
        try reportOptions.destination.emit(report)
        if report.nothingRan { throw ExitStatus.environment.exitCode }
        if !report.passed { throw ExitStatus.expectationFailed.exitCode }
    }
}
