import Foundation
import ProxyCore

/// The environment cannot run probes at all (exit code 3 at the CLI).
public struct MatrixSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Runs a `MatrixPlan` in this process against its own loopback servers.
public struct MatrixRunner: Sendable {
    public let plan: MatrixPlan
    public let command: [String]

    public init(plan: MatrixPlan, command: [String]) {
        self.plan = plan
        self.command = command
    }

    public func run() throws(MatrixSetupError) -> Report {
        SignalPolicy.ignoreSIGPIPE()

        let environment = EnvironmentFacts.gather()
        let pki: EphemeralPKI
        let serverContext: TLSContext
        let clientContext: TLSContext
        do {
            pki = try EphemeralPKI.generate()
            serverContext = try TLSContext.server(certificate: pki.leafCertificate, key: pki.leafKey)
            clientContext = try TLSContext.client(trustAnchors: [pki.caCertificate])
        } catch {
            throw MatrixSetupError(description: "cannot set up TLS with the loaded OpenSSL: \(error)")
        }

        var servers: [AddressFamily: LoopbackTLSServer] = [:]
        var unavailable: [AddressFamily: String] = [:]
        for family in plan.families {
            do {
                servers[family] = try LoopbackTLSServer(family: family, context: serverContext, timeout: plan.timeout)
            } catch {
                unavailable[family] = "no \(family.rawValue) loopback here: \(error)"
            }
        }
        defer { servers.values.forEach { $0.stop() } }
        if servers.isEmpty && !plan.families.isEmpty {
            throw MatrixSetupError(description: unavailable.values.sorted().joined(separator: "; "))
        }

        let connector = OriginConnector(context: clientContext)
        let probe = CellProbe(connector: connector, runtime: "system", kernelTFO: environment.tcpFastopen, timeout: plan.timeout)
        let cells = plan.cells.map { cell -> CellResult in
            guard let server = servers[cell.family] else {
                return CellResult.skipped(cell, runtime: "system", kernelTFO: environment.tcpFastopen,
                                          reason: unavailable[cell.family] ?? "no server")
            }
            return probe.run(cell, against: server)
        }
        let runtime = RuntimeSummary(name: "system", openSSL: .current,
                                     policyTFOOff: connector.strategy(tfo: false).rawValue,
                                     policyTFOOn: connector.strategy(tfo: true).rawValue)
        return Report(command: command, timeoutSeconds: plan.timeout, environment: environment,
                      runtimes: [runtime], cells: cells)
    }
}

extension CellResult {
    static func skipped(_ cell: Cell, runtime: String, kernelTFO: Int?, reason: String) -> CellResult {
        CellResult(runtime: runtime, mode: cell.mode, tfo: cell.tfo, family: cell.family, kernelTFO: kernelTFO,
                   outcome: .skipped, reason: reason, strategy: nil, notes: [], firstWrite: nil,
                   tfoEvidence: .none, tlsVersion: nil, cipher: nil, errno: nil, errnoName: nil,
                   openSSLErrors: [], verifyError: nil, durationMilliseconds: 0)
    }
}
