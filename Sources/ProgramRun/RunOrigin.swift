import Foundation
import Loopback
import Matrix
import MatrixModel
import ProxyCore
import RunModel
import ToolCore

/// `--origin`: an HTTPS origin on loopback for the program to fetch from, with a CA of its
/// own made in memory. IPv4 and IPv6 listen on the same port, so one `{origin-port}` serves
/// both; the CA certificate (public) is written to a file for `{ca}`, the keys never are.
package final class RunOrigin {
    package let facts: OriginFacts
    private let servers: [LoopbackTLSServer]
    private let caFile: String

    /// How long one connection may take, handshake and answer.
    static let connectionSeconds = 30.0

    /// Starts the origin on `port` (0: one the kernel picks) and writes the CA file into `folder`.
    package init(port: UInt16, folder: String) throws(EnvironmentError) {
        let pki: EphemeralPKI
        let context: TLSContext
        do {
            pki = try EphemeralPKI.generate(name: "tlsprobe run origin CA")
            context = try TLSContext.server(certificate: pki.leafCertificate, key: pki.leafKey)
        } catch {
            throw EnvironmentError("cannot make the origin's certificate: \(error)")
        }
        var attempts = 0
        var started: (LoopbackTLSServer, LoopbackTLSServer?)?
        // An ephemeral IPv4 port may be taken on ::1: a few tries find one free on both.
        while started == nil {
            attempts += 1
            let ipv4: LoopbackTLSServer
            do {
                ipv4 = try LoopbackTLSServer(family: .ipv4, context: context, timeout: Self.connectionSeconds, service: .http, port: port)
            } catch {
                throw EnvironmentError("the origin cannot listen on 127.0.0.1:\(port): \(error)")
            }
            let chosen = ipv4.address.port
            do {
                let ipv6 = try LoopbackTLSServer(family: .ipv6, context: context, timeout: Self.connectionSeconds, service: .http, port: chosen)
                started = (ipv4, ipv6)
            } catch {
                // No IPv6 loopback at all, or the port taken there: with a port asked for, or
                // after a few tries, the origin is IPv4 only and `{origin-v6}` says so by failing.
                if port != 0 || attempts >= 5 || EnvironmentFacts.ipv6LoopbackProblem() != nil {
                    started = (ipv4, nil)
                } else {
                    ipv4.stop()
                }
            }
        }
        guard let (ipv4, ipv6) = started else { throw EnvironmentError("the origin did not start") }
        servers = [ipv4] + (ipv6.map { [$0] } ?? [])
        let chosen = ipv4.address.port
        caFile = folder + "/tlsprobe-origin-ca.pem"
        do {
            try Data(pki.caCertificate.pem()).write(to: URL(fileURLWithPath: caFile), options: .withoutOverwriting)
        } catch {
            servers.forEach { $0.stop() }
            throw EnvironmentError("cannot write the origin's CA file \(caFile): \(error)")
        }
        facts = OriginFacts(ipv4: "127.0.0.1:\(chosen)", ipv6: ipv6 == nil ? nil : "[::1]:\(chosen)", port: chosen, caFile: caFile)
    }

    /// Requests answered so far, on both families.
    package var served: Int { servers.reduce(0) { $0 + $1.servedCount } }

    /// Stops listening and removes the CA file.
    package func stop() {
        servers.forEach { $0.stop() }
        unlink(caFile)
    }
}
