import ArgumentParser
import Foundation
import Matrix
import MatrixModel
import ReportRendering

/// `tlsprobe matrix`: every BIO mode × TFO off/on × IPv4/IPv6 (× phase × runtime)
/// against a loopback TLS server, each runtime in its own worker processes.
struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Run the probe matrix and report every cell.",
        discussion: """
            With no --runtime, a host whose own OpenSSL predates the 3.2 change (its socket BIO leaves \
            the BIO data pointer alone, as measured here) is also probed with OpenSSL 3.5 (Debian trixie, \
            fetched on first use), so the first run shows the regression; --runtime system probes only \
            this host's OpenSSL. When that fetch cannot be made, one line says so and the system's report stands.
            """
    )

    @OptionGroup var options: MatrixOptions

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        try reportOptions.validateMatrixReport(command: "matrix")
    }

    func run() throws {
        var plan = options.plan
        if options.runtimes.isEmpty, let line = Self.regressionLine(fetch: options.fetch) { plan.runtimes.append(.line(line)) }
        let report = try ProbeRun.run(plan, plugins: options.plugins, fetch: options.fetch)
        try reportOptions.destination.emit(report)
        if !report.runtimeErrors.isEmpty { throw ExitStatus.usage.exitCode }
        try ProbeRun.requireSomethingProbed(report)
        try ProbeRun.requirePluginsRan(report)
        // The fixed connector must pass everywhere; anything else is an expectation failure.
        if report.failures.contains(where: { $0.mode == .proxyCore }) {
            throw ExitStatus.expectationFailed.exitCode
        }
    }

    /// The line a default run adds on a host whose own OpenSSL cannot show the regression:
    /// OpenSSL 3.5, fetched now (saying why) unless it already is; `nil` when this host's
    /// socket BIO already owns its data pointer, or when the fetch failed (said in one line).
    /// `doing` names what the command does with it: the matrix probes it, `run` runs the program on it.
    static func regressionLine(fetch: FetchOptions, doing: (gerund: String, present: String, past: String) = ("probing", "probes only", "probed")) -> OpenSSLLine? {
        let own = EnvironmentFacts.gather().openSSL
        guard !own.socketBIOOwnsData else { return nil }
        let line = OpenSSLLine.trixie
        var provisioner = RuntimeProvisioner(executable: MatrixRunner.currentExecutable)
        fetch.apply(to: &provisioner)
        provisioner.step = { _, step in Terminal.writeError("tlsprobe: \(line.rawValue): \(step)\n") }
        Terminal.writeError("tlsprobe: this host's OpenSSL \(own.runtimeVersion) predates the 3.2 change (its socket BIO leaves the data pointer alone): also \(doing.gerund) OpenSSL \(line.series) (Debian \(line.rawValue)), fetched on first use; --runtime system \(doing.present) this host's\n")
        do {
            _ = try provisioner.folder(for: line)
            return line
        } catch {
            Terminal.writeError("tlsprobe: OpenSSL \(line.series) not \(doing.past): \(error.message)\n")
            return nil
        }
    }
}

extension BIOMode: ExpressibleByArgument {}
extension TFOSetting: ExpressibleByArgument {}
extension AddressFamily: ExpressibleByArgument {}
