import ArgumentParser
import Foundation
import ProbeKit

/// `tlsprobe matrix`: every BIO mode × TFO off/on × IPv4/IPv6 (× phase × runtime)
/// against a loopback TLS server, each runtime in its own worker processes.
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

    enum PhaseChoice: String, ExpressibleByArgument, CaseIterable {
        case handshake, teardown, both
    }

    @Option(name: .customLong("runtime"),
            help: "An OpenSSL runtime: 'system' (the linked library) or a folder with libssl.so.3 and libcrypto.so.3; repeat for several.")
    var runtimes: [String] = []

    @Option(name: .customLong("mode"), help: "A BIO mode to probe; repeat for several (default: all).")
    var modes: [BIOMode] = []

    @Option(help: "TCP Fast Open as the application asks for it.")
    var tfo: TFOChoice = .both

    @Option(help: "Address family of the loopback server.")
    var family: FamilyChoice = .both

    @Option(help: "handshake: connect and echo; teardown: release the connection before its first write (fast-open modes and proxy-core only).")
    var phase: PhaseChoice = .both

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Seconds each cell may take before it is a timeout.")
    var timeout: Double = 5

    @Option(name: .customLong("kernel-tfo"),
            help: ArgumentHelp("tcp_fastopen values (decimal or 0x hex, comma-separated) to probe, each in a private network namespace; needs CAP_SYS_ADMIN and CAP_NET_ADMIN.",
                               valueName: "values"))
    var kernelTFO: KernelTFOValues?

    @Option(name: .customLong("debug-crash"), help: .hidden)
    var debugCrash: [String] = []

    @Option(name: .customLong("debug-hang"), help: .hidden)
    var debugHang: [String] = []

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
        }
        if phase == .teardown, !modes.isEmpty, !modes.contains(where: { Phase.teardownModes.contains($0) }) {
            throw ValidationError("--phase teardown applies to \(Phase.teardownModes.map(\.rawValue).sorted().joined(separator: ", ")) only")
        }
        for name in debugCrash + debugHang where Cell(name: name) == nil {
            throw ValidationError("not a cell name: \(name)")
        }
    }

    var plan: MatrixPlan {
        var plan = MatrixPlan(
            runtimes: runtimes.isEmpty ? [.system] : runtimes.uniqued().map(RuntimeSpec.init(argument:)),
            modes: modes.isEmpty ? BIOMode.allCases : modes.uniqued(),
            tfo: tfo == .both ? TFOSetting.allCases : [TFOSetting(rawValue: tfo.rawValue)!],
            families: family == .both ? AddressFamily.allCases : [AddressFamily(rawValue: family.rawValue)!],
            phases: phase == .both ? Phase.allCases : [Phase(rawValue: phase.rawValue)!],
            timeout: timeout
        )
        plan.kernelTFO = kernelTFO.map { Array($0.values.uniqued()) } ?? []
        plan.debugCrash = Set(debugCrash)
        plan.debugHang = Set(debugHang)
        return plan
    }

    func run() throws {
        let report = MatrixRunner(plan: plan, command: CommandLine.arguments, executable: MatrixRunner.currentExecutable).run()
        let errors = report.runtimeErrors
        for error in errors {
            Terminal.writeError("tlsprobe: \(error)\n")
        }
        guard errors.count < report.runtimes.count else { throw ExitCode(2) }
        switch format {
        case .text: Terminal.write(TextRenderer(color: Terminal.wantsColor).render(report))
        case .json: Terminal.write(String(decoding: try report.jsonData(), as: UTF8.self) + "\n")
        }
        if !errors.isEmpty { throw ExitCode(2) }
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
