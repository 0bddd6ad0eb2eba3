import COpenSSLCore
import Foundation
import Loopback
import Testing
import TestSupport
@testable import ProxyCore

/// `TrustRoots`: the system's store as OpenSSL finds it, a private CA, or both.
@Suite struct TrustRootsTests {
    /// Whether `context`'s store verifies `certificate` (a self-signed root verifies when it is trusted).
    private func verifies(_ certificate: Certificate, with context: TLSContext) throws -> Bool {
        let store = try #require(SSL_CTX_get_cert_store(context.pointer))
        let verification = try #require(X509_STORE_CTX_new())
        defer { X509_STORE_CTX_free(verification) }
        try #require(X509_STORE_CTX_init(verification, store, certificate.pointer, nil) == 1)
        defer { ERR_clear_error() }
        return X509_verify_cert(verification) == 1
    }

    /// A root of the system's own bundle (OpenSSL's default CA file, `/usr/lib/ssl/cert.pem` on
    /// Debian): trusted with `.system`, not with a private CA alone.
    @Test func theSystemStoreTrustsTheSystemsRoots() throws {
        let bundle = String(cString: X509_get_default_cert_file())
        try #require(FileManager.default.fileExists(atPath: bundle), "no system CA bundle at \(bundle) (package ca-certificates)")
        let roots = try Certificate.all(pemFile: bundle)
        #expect(roots.count > 10, "\(bundle) holds \(roots.count) certificates")
        let root = roots[0]
        let pki = try EphemeralPKI.generate()
        #expect(try verifies(root, with: TLSContext.client(trust: .system)))
        #expect(try verifies(root, with: TLSContext.client(trust: .systemAnd([pki.caCertificate]))))
        #expect(try !verifies(root, with: TLSContext.client(trust: .certificates([pki.caCertificate]))))
        #expect(try !verifies(pki.caCertificate, with: TLSContext.client(trust: .system)), "the ephemeral CA is no system root")
        #expect(try verifies(pki.caCertificate, with: TLSContext.client(trust: .systemAnd([pki.caCertificate]))))
    }

    /// The system's roots and a private CA together: an origin of the private CA still connects.
    @Test func systemAndAPrivateCAConnectToThePrivateOrigin() throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        let context = try TLSContext.client(trust: .systemAnd([fixture.pki.caCertificate]))
        let connection = try OriginConnector(context: context).connect(to: fixture.server.address, identity: fixture.identity,
                                                                       tfo: false, deadline: .after(seconds: 5))
        #expect(connection.diagnostics.chosenByPolicy)
    }

    /// The system's roots alone do not vouch for the loopback server's private CA.
    @Test func theSystemStoreRefusesThePrivateOrigin() throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        let connector = OriginConnector(context: try TLSContext.client(trust: .system))
        do {
            _ = try connector.connect(to: fixture.server.address, identity: fixture.identity, tfo: false,
                                      deadline: .after(seconds: 5))
            Issue.record("the system store trusted the ephemeral CA")
        } catch {
            #expect(error.verifyError != nil, "\(error)")
            #expect(error.diagnostics.strategy == "fd")
        }
    }
}
