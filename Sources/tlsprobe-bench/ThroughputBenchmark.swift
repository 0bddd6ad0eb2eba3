import Foundation
import Loopback
import MatrixModel
import ProxyCore
import ToolCore

/// What the fix costs on the data path: bulk application data through an
/// established, verified TLS connection, client to a loopback sink, once per
/// `OriginConnector` strategy.
///
/// The question is whether the fast-open BIO (`exdata-fastopen`, Swift read and
/// write callbacks plus an ex_data lookup on every record) is slower than
/// OpenSSL's own socket BIO (`fd`) once the handshake is done. Everything else
/// is held equal: the same `OriginConnector`, context, certificate, server and
/// `TLSConnection.write` loop; only the strategy differs.
///
/// The clock runs from the first application write to the server's one-byte
/// acknowledgement that every byte arrived; connecting and the handshake are
/// outside it. Rounds alternate the strategies (and their order), so drift in
/// the machine's speed falls on both alike; medians are reported.
struct ThroughputBenchmark: Sendable {
    /// ProxyCore's strategies and upstream's ex_data fix: the modes that need no containment.
    static let measurable = BIOMode.allCases.filter { !$0.needsContainment && $0.recipe != nil }

    var strategies: [BIOMode] = [.fd, .exDataFastOpen]
    var bytesPerRound = 256 << 20
    /// Bytes per `TLSConnection.write`: 16 KiB is TLS's largest record, so one write is one record.
    var recordSize = 16 << 10
    var rounds = 7
    /// What the application asks for. With TFO on, only the handshake's first write differs
    /// (`sendto(MSG_FASTOPEN)`); application data goes through the same write path either way.
    var tfo = false
    var family: AddressFamily = .ipv4
    /// Bounds each connection, handshake and transfer alike.
    var timeout = 60.0

    init() {}

    /// One strategy's rounds.
    struct StrategyResult: Sendable, Codable {
        var strategy: BIOMode
        /// Who saw the connection's first write: "fast-open BIO" or "OpenSSL socket BIO".
        var bio: String
        var roundSeconds: [Double]
        var medianSeconds: Double
        var mebibytesPerSecond: Double
        /// CPU time of the writing thread per round (median): the client's own cost of the data
        /// path, BIO included, and far less sensitive than wall time to what else the machine runs.
        var medianClientCPUSeconds: Double
    }

    struct Report: Sendable, Codable {
        var openSSL: String
        var family: AddressFamily
        var tfo: Bool
        var tlsVersion: String
        var cipher: String
        var bytesPerRound: Int
        var recordSize: Int
        var rounds: Int
        var results: [StrategyResult]
        /// Throughput of each strategy after the first, divided by the first's (`exdata-fastopen` / `fd` by default).
        var ratios: [String: Double]
    }

    func run() throws -> Report {
        guard !strategies.isEmpty, rounds > 0, recordSize > 0, bytesPerRound >= recordSize,
              bytesPerRound.isMultiple(of: recordSize) else {
            throw InputError(source: "tlsprobe-bench", message: "nothing to measure: need strategies, rounds > 0, and bytes a multiple of the record size")
        }
        let pki = try EphemeralPKI.generate(name: "tlsprobe throughput CA")
        let serverContext = try TLSContext.server(certificate: pki.leafCertificate, key: pki.leafKey)
        let connector = OriginConnector(context: try TLSContext.client(trustAnchors: [pki.caCertificate]))
        let server = try LoopbackSinkServer(family: family.socketFamily, context: serverContext, expectedBytes: bytesPerRound,
                                            timeout: timeout)
        defer { server.stop() }
        let record = [UInt8](repeating: 0x5a, count: recordSize)

        // One untimed round each first: page-ins, socket buffer growth and lazy
        // OpenSSL state would otherwise land on whichever strategy runs first.
        var negotiated = (version: "", cipher: "")
        var bios: [BIOMode: String] = [:]
        for strategy in strategies {
            let round = try transfer(strategy, connector: connector, server: server, record: record)
            negotiated = (round.version, round.cipher)
            bios[strategy] = round.bio
        }
        var seconds: [BIOMode: [Double]] = [:]
        var cpu: [BIOMode: [Double]] = [:]
        for index in 0..<rounds {
            for strategy in index.isMultiple(of: 2) ? strategies : strategies.reversed() {
                let round = try transfer(strategy, connector: connector, server: server, record: record)
                seconds[strategy, default: []].append(round.seconds)
                cpu[strategy, default: []].append(round.cpuSeconds)
            }
        }

        let mebibytes = Double(bytesPerRound) / Double(1 << 20)
        let results = strategies.map { strategy in
            let median = Self.median(seconds[strategy] ?? [])
            return StrategyResult(strategy: strategy, bio: bios[strategy] ?? "unknown", roundSeconds: seconds[strategy] ?? [],
                                  medianSeconds: median, mebibytesPerSecond: mebibytes / median,
                                  medianClientCPUSeconds: Self.median(cpu[strategy] ?? []))
        }
        var ratios: [String: Double] = [:]
        for result in results.dropFirst() {
            ratios["\(result.strategy.rawValue)/\(results[0].strategy.rawValue)"] =
                result.mebibytesPerSecond / results[0].mebibytesPerSecond
        }
        return Report(openSSL: OpenSSLRuntime.current.runtimeVersionText, family: family, tfo: tfo,
                      tlsVersion: negotiated.version, cipher: negotiated.cipher, bytesPerRound: bytesPerRound,
                      recordSize: recordSize, rounds: rounds, results: results, ratios: ratios)
    }

    /// What one connection's transfer took, and what it negotiated.
    private struct Round {
        var seconds: Double
        var cpuSeconds: Double
        var bio: String
        var version: String
        var cipher: String
    }

    /// One connection: handshake (untimed), then `bytesPerRound` in `record`-sized writes, timed to the acknowledgement.
    private func transfer(_ strategy: BIOMode, connector: OriginConnector, server: LoopbackSinkServer,
                          record: [UInt8]) throws -> Round {
        let deadline = Deadline.after(seconds: timeout)
        let connection = try connector.connect(to: server.address, identity: .ipAddress(family.socketFamily.loopbackHost), tfo: tfo,
                                               deadline: deadline, instrumentation: ConnectInstrumentation(recipe: strategy.recipe))
        guard connection.diagnostics.strategy == strategy.rawValue else {
            throw EnvironmentError("tlsprobe-bench asked for \(strategy.rawValue), got \(connection.diagnostics.strategy)")
        }
        let tls = connection.tls
        let started = Deadline.now
        let cpuStarted = Self.threadCPUSeconds()
        var sent = 0
        while sent < bytesPerRound {
            try tls.write(record, until: deadline)
            sent += record.count
        }
        let acknowledgement = try tls.read(maximum: 1, until: deadline)
        let elapsed = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1e9
        let cpuSeconds = Self.threadCPUSeconds() - cpuStarted
        guard acknowledgement == [UInt8(ascii: "\n")] else {
            throw EnvironmentError("tlsprobe-bench: \(strategy.rawValue): the sink did not acknowledge \(bytesPerRound) bytes")
        }
        tls.shutdown()
        return Round(seconds: elapsed, cpuSeconds: cpuSeconds, bio: connection.diagnostics.firstWrite?.observedBy.rawValue ?? "unknown",
                     version: tls.protocolVersion, cipher: tls.cipher ?? "")
    }

    /// CPU time the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`), user and system.
    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }
}
