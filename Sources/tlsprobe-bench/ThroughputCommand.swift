import ArgumentParser
import Foundation
import MatrixModel
import ProxyCore

/// `tlsprobe-bench`: bulk data through an established TLS connection per
/// origin-connection strategy, for scripts/bench. Its own executable, never
/// installed: it measures the fix's data-path cost, it probes nothing.
@main
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsprobe-bench",
        abstract: "Time bulk TLS writes to a loopback sink per connection strategy (for scripts/bench)."
    )

    /// What the figures are printed as: lines for a shell script, or JSON.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .customLong("strategy"),
            help: "An origin-connection strategy to measure (\(ThroughputBenchmark.measurable.map(\.rawValue).joined(separator: ", "))); repeat for several. The first is the baseline of the ratios.")
    var strategyNames: [String] = [BIOMode.fd.rawValue, BIOMode.exDataFastOpen.rawValue]

    @Option(help: "MiB written per round.")
    var mebibytes = 256

    @Option(name: .customLong("record-size"), help: "Bytes per write (16384 is one full TLS record).")
    var recordSize = 16384

    @Option(help: "Timed rounds per strategy (after one untimed warm-up round each).")
    var rounds = 7

    @Option(help: "TCP Fast Open as the application asks for it (affects only the handshake's first write).")
    var tfo: TFOSetting = .off

    @Option(help: "Address family of the loopback sink.")
    var family: AddressFamily = .ipv4

    @Option(help: "Seconds each connection may take.")
    var timeout: Double = 60

    @Option(help: "Output format.")
    var format: Format = .text

    func validate() throws {
        guard !strategyNames.isEmpty else { throw ValidationError("--strategy: at least one") }
        for name in strategyNames where !ThroughputBenchmark.measurable.contains(where: { $0.rawValue == name }) {
            throw ValidationError("--strategy: not a strategy: \(name); one of \(ThroughputBenchmark.measurable.map(\.rawValue).joined(separator: ", "))")
        }
        guard mebibytes > 0, rounds > 0 else { throw ValidationError("--mebibytes and --rounds must be positive") }
        guard recordSize > 0, (mebibytes << 20).isMultiple(of: recordSize) else {
            throw ValidationError("--record-size must be positive and divide \(mebibytes) MiB")
        }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    func run() throws {
        var benchmark = ThroughputBenchmark()
        benchmark.strategies = strategyNames.uniqued().compactMap(BIOMode.init(rawValue:))
        benchmark.bytesPerRound = mebibytes << 20
        benchmark.recordSize = recordSize
        benchmark.rounds = rounds
        benchmark.tfo = tfo.isOn
        benchmark.family = family
        benchmark.timeout = timeout
        let report: ThroughputBenchmark.Report
        do {
            report = try benchmark.run()
        } catch {
            FileHandle.standardError.write(Data("tlsprobe-bench: \(error)\n".utf8))
            throw ExitCode(3)
        }
        switch format {
        case .json:
            FileHandle.standardOutput.write(Data(try JSONCoding.document(report).utf8))
        case .text:
            FileHandle.standardOutput.write(Data(render(report).utf8))
        }
    }

    /// One line per strategy, then one per ratio: easy for a shell script to pick apart.
    private func render(_ report: ThroughputBenchmark.Report) -> String {
        var text = "\(report.openSSL) · \(report.tlsVersion) \(report.cipher) · \(report.family.rawValue) · TFO "
            + "\(report.tfo ? "on" : "off") · \(report.bytesPerRound >> 20) MiB in \(report.recordSize)-byte writes · "
            + "median of \(report.rounds) rounds\n"
        for result in report.results {
            let rounds = result.roundSeconds.map { String(format: "%.3f", $0) }.joined(separator: " ")
            text += "strategy \(result.strategy.rawValue) mib_per_s \(String(format: "%.1f", result.mebibytesPerSecond))"
                + " median_s \(String(format: "%.4f", result.medianSeconds))"
                + " client_cpu_s \(String(format: "%.4f", result.medianClientCPUSeconds)) rounds_s \(rounds) bio \(result.bio)\n"
        }
        for (name, ratio) in report.ratios.sorted(by: { $0.key < $1.key }) {
            text += "ratio \(name) \(String(format: "%.3f", ratio))\n"
        }
        return text
    }
}

extension TFOSetting: ExpressibleByArgument {}
extension AddressFamily: ExpressibleByArgument {}
