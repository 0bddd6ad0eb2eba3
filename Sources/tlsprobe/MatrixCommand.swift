import ArgumentParser
import Foundation
import ProbeKit

/// `tlsprobe matrix`: every BIO mode × TFO off/on × IPv4/IPv6 against a loopback TLS server.
struct MatrixCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix",
        abstract: "Run the probe matrix and report every cell."
    )

    /// `both` expands to every value of an axis.
    enum TFOChoice: String, ExpressibleByArgument, CaseIterable {
        case off, on, both
    }

    enum FamilyChoice: String, ExpressibleByArgument, CaseIterable {
        case ipv4, ipv6, both
    }

    @Option(name: .customLong("mode"), help: "A BIO mode to probe; repeat for several (default: all).")
    var modes: [BIOMode] = []

    @Option(help: "TCP Fast Open as the application asks for it.")
    var tfo: TFOChoice = .both

    @Option(help: "Address family of the loopback server.")
    var family: FamilyChoice = .both

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Seconds each cell may take before it is a timeout.")
    var timeout: Double = 5

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
        }
    }

    var plan: MatrixPlan {
        MatrixPlan(
            modes: modes.isEmpty ? BIOMode.allCases : modes.uniqued(),
            tfo: tfo == .both ? TFOSetting.allCases : [TFOSetting(rawValue: tfo.rawValue)!],
            families: family == .both ? AddressFamily.allCases : [AddressFamily(rawValue: family.rawValue)!],
            timeout: timeout
        )
    }

    func run() throws {
        let report: Report
        do {
            report = try MatrixRunner(plan: plan, command: CommandLine.arguments).run()
        } catch {
            Terminal.writeError("tlsprobe: \(error)\n")
            throw ExitCode(3)
        }
        switch format {
        case .text: Terminal.write(TextRenderer(color: Terminal.wantsColor).render(report))
        case .json: Terminal.write(String(decoding: try report.jsonData(), as: UTF8.self) + "\n")
        }
        // The fixed connector must pass everywhere; anything else is an expectation failure.
        if report.failures.contains(where: { $0.mode == .proxyCore }) {
            throw ExitCode(1)
        }
    }
}

extension BIOMode: ExpressibleByArgument {}

extension Array where Element: Hashable {
    /// The elements in order, each once: `--mode fd --mode fd` probes fd once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
