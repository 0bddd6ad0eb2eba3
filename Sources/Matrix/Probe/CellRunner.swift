import BIOPatterns
import COpenSSL
import Loopback
import MatrixModel
import ProxyCore
import ToolCore

/// Runs cells in this process against its own loopback servers: the work of
/// one worker, and of tests that need no isolation.
package final class CellRunner {
    package let runtimeName: String
    package let environment: EnvironmentFacts
    let connector: OriginConnector
    private let servers: [AddressFamily: LoopbackTLSServer]
    private let unavailable: [AddressFamily: String]
    private let probe: CellProbe
    private let raw: Bool
    /// What loading each plug-in gave, and those warmed up already.
    private let plugins: [String: Result<BIOPlugin, BIOPlugin.Unavailable>]
    private var warmedPlugins: Set<String> = []

    /// Makes an ephemeral CA and leaf, and a server for each family whose loopback
    /// really carries a connection here; the others' cells are `skipped` with the reason.
    /// Throws when the loaded OpenSSL cannot set TLS up at all.
    /// `plugins`: what loading each `--bio-plugin` gave, by name. `raw`: the user asked for
    /// the unaccounted symptom (`--no-accounting`), so modes that need containment run anyway.
    package init(runtimeName: String = "system", families: Set<AddressFamily> = Set(AddressFamily.allCases),
                 timeout: Double, privateNamespace: Bool = false,
                 plugins: [String: Result<BIOPlugin, BIOPlugin.Unavailable>] = [:], raw: Bool = false) throws(EnvironmentError) {
        self.runtimeName = runtimeName
        self.raw = raw
        self.plugins = plugins
        environment = EnvironmentFacts.gather()
        let serverContext: TLSContext
        let clientContext: TLSContext
        do {
            let pki = try EphemeralPKI.generate()
            serverContext = try TLSContext.server(certificate: pki.leafCertificate, key: pki.leafKey)
            clientContext = try TLSContext.client(trustAnchors: [pki.caCertificate])
        } catch {
            throw EnvironmentError("cannot set up TLS with the loaded OpenSSL: \(error)")
        }
        var servers: [AddressFamily: LoopbackTLSServer] = [:]
        var unavailable: [AddressFamily: String] = [:]
        for family in AddressFamily.allCases where families.contains(family) {
            do {
                let server = try LoopbackTLSServer(family: family.socketFamily, context: serverContext, timeout: timeout)
                // A loopback address can be bound while the interface is down: only a
                // connection that completes proves the family can be probed.
                try Socket(family: family.socketFamily).connect(to: server.address, deadline: .after(seconds: min(timeout, 2)))
                servers[family] = server
            } catch {
                unavailable[family] = "no \(family.rawValue) loopback here: \(error)"
            }
        }
        self.servers = servers
        self.unavailable = unavailable
        let connector = OriginConnector(context: clientContext)
        self.connector = connector
        Reproduction.prepare()
        ReferenceDesign.prepare()
        var probe = CellProbe(connector: connector, runtime: runtimeName, kernelTFO: environment.tcpFastopen, timeout: timeout,
                              privateNamespace: privateNamespace, plugins: plugins)
        // Each connection's socket is watched at the libc boundary from its creation.
        if LibcWriteObserver.active { probe.socketOpened = { LibcWriteObserver.watch($0) } }
        self.probe = probe
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
        _ = measure(Cell(mode: .fd, tfo: .off, family: family), accounted: false)
    }

    /// A plug-in's one-time state (its BIO_METHOD, an ex_data index) is made on its first
    /// connection: one unaccounted connection, released unwritten, before its first cell.
    /// Inside that cell, so a plug-in that crashes there crashes the cell, not the worker's start.
    private func warmUp(plugin name: String, family: AddressFamily) {
        guard !warmedPlugins.contains(name), servers[family] != nil else { return }
        warmedPlugins.insert(name)
        guard plugins[name].map({ (try? $0.get()) != nil }) == true else { return }
        _ = measure(Cell(mode: .plugin(name), tfo: .off, family: family, phase: .teardown), accounted: false)
    }

    /// Runs `cell` here. A reproduction of a broken design (or a plug-in) runs only where
    /// OpenSSL's allocations are accounted (a worker), or where the user asked for the raw
    /// symptom (a `--no-accounting` worker); anywhere else it is refused.
    package func run(_ cell: Cell) throws(ContainmentError) -> CellResult {
        if cell.mode.needsContainment && !MemoryAccounting.isInstalled && !raw { throw ContainmentError(cell: cell) }
        if let name = cell.mode.pluginName { warmUp(plugin: name, family: cell.family) }
        return measure(cell, accounted: true)
    }

    /// `run`, for a worker: a refused cell is `skipped` with the reason rather than thrown.
    func runContained(_ cell: Cell) -> CellResult {
        do {
            return try run(cell)
        } catch {
            return result(cell, .skipped, reason: error.description)
        }
    }

    private func result(_ cell: Cell, _ outcome: Outcome, reason: String) -> CellResult {
        var result = CellResult(cell, runtime: runtimeName, kernelTFO: environment.tcpFastopen, outcome: outcome, reason: reason)
        result.privateNamespace = probe.privateNamespace
        return result
    }

    private func measure(_ cell: Cell, accounted: Bool) -> CellResult {
        guard let server = servers[cell.family] else {
            return result(cell, .skipped, reason: unavailable[cell.family] ?? "no server for \(cell.family.rawValue)")
        }
        _ = server.takeThreadFailure()
        let window = accounted ? MemoryAccounting.begin() : nil
        // The probe's connection objects are all freed when it returns.
        var result = probe.run(cell, against: server)
        if let failure = server.takeThreadFailure() {
            // The machine's limits, not the mode, decided this cell: it was not probed.
            return self.result(cell, .skipped, reason: "the loopback server could not start a thread to serve the cell: \(failure.operation) failed: \(ErrnoName.describe(failure.errno))")
        }
        if cell.tfo.isOn, let problem = server.serverTFOError {
            result.notes.append("the loopback server has no server-side TFO: \(problem)")
        }
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
