import COpenSSL
import ProxyCore

/// Runs cells in this process against its own loopback servers: the work of
/// one worker, and of tests that need no isolation.
public final class CellRunner {
    public let runtimeName: String
    public let environment: EnvironmentFacts
    let connector: OriginConnector
    private let servers: [AddressFamily: LoopbackTLSServer]
    private let unavailable: [AddressFamily: String]
    private let probe: CellProbe

    /// Makes an ephemeral CA and leaf, and a server for each family that has a loopback.
    public init(runtimeName: String = "system", families: Set<AddressFamily> = Set(AddressFamily.allCases),
                timeout: Double, privateNamespace: Bool = false) throws(MatrixSetupError) {
        SignalPolicy.ignoreSIGPIPE()
        self.runtimeName = runtimeName
        environment = EnvironmentFacts.gather()
        let serverContext: TLSContext
        let clientContext: TLSContext
        do {
            let pki = try EphemeralPKI.generate()
            serverContext = try TLSContext.server(certificate: pki.leafCertificate, key: pki.leafKey)
            clientContext = try TLSContext.client(trustAnchors: [pki.caCertificate])
        } catch {
            throw MatrixSetupError(description: "cannot set up TLS with the loaded OpenSSL: \(error)")
        }
        var servers: [AddressFamily: LoopbackTLSServer] = [:]
        var unavailable: [AddressFamily: String] = [:]
        for family in AddressFamily.allCases where families.contains(family) {
            do {
                servers[family] = try LoopbackTLSServer(family: family, context: serverContext, timeout: timeout)
            } catch {
                unavailable[family] = "no \(family.rawValue) loopback here: \(error)"
            }
        }
        if servers.isEmpty && !families.isEmpty {
            throw MatrixSetupError(description: unavailable.values.sorted().joined(separator: "; "))
        }
        self.servers = servers
        self.unavailable = unavailable
        connector = OriginConnector(context: clientContext)
        probe = CellProbe(connector: connector, runtime: runtimeName, kernelTFO: environment.tcpFastopen, timeout: timeout,
                          privateNamespace: privateNamespace)
    }

    deinit {
        servers.values.forEach { $0.stop() }
    }

    /// One full connection before the first cell, so that OpenSSL's lazily built
    /// per-process and per-thread state (error queue, DRBG, fetched algorithms)
    /// is not counted as the first cell's leak. (The fast-open BIO's own
    /// one-time state is made when the `OriginConnector` is.)
    func warmUp() {
        guard let family = AddressFamily.allCases.first(where: { servers[$0] != nil }) else { return }
        _ = run(Cell(mode: .fd, tfo: .off, family: family), accounted: false)
    }

    /// Runs `cell`; with accounting installed, its OpenSSL allocations are checked too.
    public func run(_ cell: Cell) -> CellResult {
        run(cell, accounted: true)
    }

    private func run(_ cell: Cell, accounted: Bool) -> CellResult {
        guard let server = servers[cell.family] else {
            var result = CellResult(cell, runtime: runtimeName, kernelTFO: environment.tcpFastopen, outcome: .skipped,
                                    reason: unavailable[cell.family] ?? "no server for \(cell.family.rawValue)")
            result.privateNamespace = probe.privateNamespace
            return result
        }
        let window = accounted ? MemoryAccounting.begin() : nil
        // The probe's connection objects are all freed when it returns.
        var result = probe.run(cell, against: server)
        if let window {
            // OpenSSL keeps per-thread caches that outlive any one connection: the
            // error queue's data buffers (reused, never freed while the thread
            // lives) and the thread's DRBGs. Releasing them here, as a thread's
            // exit would, leaves only what the cell's connection really lost.
            OPENSSL_thread_stop()
            result.record(MemoryAccounting.end(window))
        }
        return result
    }
}
