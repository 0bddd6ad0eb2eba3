import Foundation
import Loopback
import Testing
import TestSupport
@testable import ProxyCore

/// A client certificate, presented to an origin that requires one from its CA.
@Suite struct ClientCertificateTests {
    /// An echo server that requires a client certificate issued by `pki`'s CA.
    private func demandingServer(_ pki: EphemeralPKI) throws -> LoopbackTLSServer {
        TestProcess.prepare()
        let context = try TLSContext.server(certificate: pki.leafCertificate, key: pki.leafKey,
                                            clientCertificatesFrom: [pki.caCertificate])
        return try LoopbackTLSServer(family: .ipv4, context: context, timeout: 5)
    }

    private func exchange(_ context: TLSContext, with server: LoopbackTLSServer) throws(OriginIOError) -> [UInt8] {
        let connection: OriginConnection
        do {
            connection = try OriginConnector(context: context).connect(to: server.address, identity: .ipAddress("127.0.0.1"),
                                                                       tfo: false, deadline: .after(seconds: 5))
        } catch {
            // In TLS 1.3 the client's handshake ends before the server judges its certificate:
            // a refusal shows at the first read. A failure here is a test bug.
            Issue.record("connect failed: \(error)")
            return []
        }
        try connection.write(Array("hello\n".utf8), deadline: .after(seconds: 5))
        return try connection.read(maximum: 64, deadline: .after(seconds: 5))
    }

    /// The server answers only a client that presented a certificate of its CA, read from
    /// PEM files as a proxy's configuration gives it.
    @Test func aPresentedCertificateIsAccepted() throws {
        let pki = try EphemeralPKI.generate()
        let server = try demandingServer(pki)
        defer { server.stop() }
        let (certificate, key) = try pki.issueClientCertificate()
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let identity = try ClientCertificate(certificate: Certificate(pemFile: folder.write(Encoding.pem(certificate), to: "proxy.pem")),
                                             key: PrivateKey(pemFile: folder.write(Encoding.pem(key), to: "proxy.key")))
        let context = try TLSContext.client(trust: .certificates([pki.caCertificate]), clientCertificate: identity)
        #expect(try exchange(context, with: server) == Array("hello\n".utf8))
    }

    /// Without a certificate the same server refuses: the test above proves the certificate was presented.
    @Test func noCertificateIsRefused() throws {
        let pki = try EphemeralPKI.generate()
        let server = try demandingServer(pki)
        defer { server.stop() }
        let context = try TLSContext.client(trust: .certificates([pki.caCertificate]))
        do {
            let answer = try exchange(context, with: server)
            Issue.record("the server answered \(answer.count) bytes to a client without a certificate")
        } catch {
            #expect(error.error.kind == .protocolFailure || error.error.kind == .peerClosed || error.error.kind == .systemCall,
                    "\(error)")
        }
    }

    /// A leaf signed by an intermediate: accepted with the intermediate in `chain`, refused
    /// without it (the server trusts only the root).
    @Test func theChainIsSentAfterTheLeaf() throws {
        let pki = try EphemeralPKI.generate()
        let server = try demandingServer(pki)
        defer { server.stop() }
        let issued = try pki.issueClientCertificateThroughIntermediate()
        let withChain = try TLSContext.client(trust: .certificates([pki.caCertificate]), clientCertificate:
            ClientCertificate(certificate: issued.certificate, key: issued.key, chain: [issued.intermediate]))
        #expect(try exchange(withChain, with: server) == Array("hello\n".utf8))
        let leafOnly = try TLSContext.client(trust: .certificates([pki.caCertificate]), clientCertificate:
            ClientCertificate(certificate: issued.certificate, key: issued.key))
        #expect(throws: OriginIOError.self) { try exchange(leafOnly, with: server) }
    }

    /// A certificate from another CA is refused as well.
    @Test func aCertificateOfAnotherCAIsRefused() throws {
        let pki = try EphemeralPKI.generate()
        let server = try demandingServer(pki)
        defer { server.stop() }
        let (certificate, key) = try EphemeralPKI.generate(name: "stranger CA").issueClientCertificate()
        let context = try TLSContext.client(trust: .certificates([pki.caCertificate]),
                                            clientCertificate: ClientCertificate(certificate: certificate, key: key))
        #expect(throws: OriginIOError.self) { try exchange(context, with: server) }
    }
}
