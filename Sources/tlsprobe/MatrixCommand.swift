import ArgumentParser
import Foundation
import ProbeKit
import ReportRendering

/// `tlsprobe matrix`: every BIO mode × TFO off/on × IPv4/IPv6 (× phase × runtime)
/// against a loopback TLS server, each runtime in its own worker processes.
struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Run the probe matrix and report every cell."
    )

    @OptionGroup var options: MatrixOptions

    @OptionGroup var reportOptions: ReportOutputOptions

    func run() throws {
        let report = try ProbeRun.run(options.plan, plugins: options.plugins)
        try reportOptions.destination.emit(report)
        if !report.runtimeErrors.isEmpty { throw ExitCode(2) }
        try ProbeRun.requireSomethingProbed(report)
        // The fixed connector must pass everywhere; anything else is an expectation failure.
        if report.failures.contains(where: { $0.mode == .proxyCore }) {
            throw ExitCode(1)
        }
    }
}

extension BIOMode: ExpressibleByArgument {}
extension TFOSetting: ExpressibleByArgument {}
extension AddressFamily: ExpressibleByArgument {}
