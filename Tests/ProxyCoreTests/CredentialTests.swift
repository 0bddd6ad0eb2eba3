import Foundation
import Loopback
import Testing
@testable import ProxyCore

/// Certificates and keys as a proxy's configuration gives them: PEM or DER, in memory or
/// in files; and every way that goes wrong, as a `CredentialError` of its own kind.
@Suite struct CredentialTests {
    let pki: EphemeralPKI
    let folder: ScratchFolder

    init() throws {
        pki = try EphemeralPKI.generate()
        folder = try ScratchFolder()
    }

    /// The same certificate, whichever way it was read: its DER encoding is the identity.
    @Test func certificateFromPEMAndDERBytesAndFiles() throws {
        defer { folder.remove() }
        let der = Encoding.der(pki.leafCertificate)
        let pem = Encoding.pem(pki.leafCertificate)
        try #require(!der.isEmpty && pem.starts(with: Array("-----BEGIN CERTIFICATE-----".utf8)))
        let loaded = [
            try Certificate(pem: pem),
            try Certificate(der: der),
            try Certificate(pemFile: folder.write(pem, to: "leaf.pem")),
            try Certificate(derFile: folder.write(der, to: "leaf.der")),
        ]
        for certificate in loaded {
            #expect(Encoding.der(certificate) == der)
            #expect(certificate.subject == "/CN=tlsprobe loopback server")
        }
    }

    /// A CA bundle: every certificate, in order; the single-certificate initializer takes the first.
    @Test func bundleGivesEveryCertificateInOrder() throws {
        defer { folder.remove() }
        let other = try EphemeralPKI.generate(name: "second CA")
        let bundle = Encoding.pem(pki.caCertificate) + Array("\n".utf8) + Encoding.pem(other.caCertificate)
        let file = try folder.write(bundle, to: "bundle.pem")
        for all in [try Certificate.all(pem: bundle), try Certificate.all(pemFile: file)] {
            #expect(all.map(\.subject) == ["/CN=tlsprobe ephemeral CA", "/CN=second CA"])
        }
        #expect(try Certificate(pem: bundle).subject == "/CN=tlsprobe ephemeral CA")
    }

    /// A key read back signs for its certificate: `ClientCertificate` checks the pair.
    @Test func keyFromPEMAndDERBytesAndFiles() throws {
        defer { folder.remove() }
        let pem = Encoding.pem(pki.leafKey)
        let der = Encoding.der(pki.leafKey)
        try #require(pem.starts(with: Array("-----BEGIN PRIVATE KEY-----".utf8)) && !der.isEmpty)
        let keys = [
            try PrivateKey(pem: pem),
            try PrivateKey(der: der),
            try PrivateKey(pemFile: folder.write(pem, to: "leaf.key")),
            try PrivateKey(derFile: folder.write(der, to: "leaf.key.der")),
        ]
        for key in keys {
            #expect(Encoding.der(key) == der)
            _ = try ClientCertificate(certificate: pki.leafCertificate, key: key)
        }
    }

    @Test func garbageIsMalformedWithOpenSSLsReason() throws {
        let garbage = Array("this is no certificate\n".utf8)
        #expect(throws: CredentialError.self) { try Certificate(pem: garbage) }
        do {
            _ = try Certificate(pem: garbage)
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.source == "PEM bytes")
            #expect(error.openSSLErrors.contains { $0.contains("no start line") }, "\(error.openSSLErrors)")
        }
        do {
            _ = try PrivateKey(der: garbage)
            Issue.record("garbage read as a DER key")
        } catch {
            #expect(error.kind == .malformed && error.source == "DER bytes")
        }
        do {
            _ = try Certificate(der: [])
            Issue.record("no bytes read as a DER certificate")
        } catch {
            #expect(error.kind == .malformed)
        }
    }

    /// One DER certificate and one byte more is not one DER certificate.
    @Test func trailingBytesAfterADERCertificateAreRefused() throws {
        do {
            _ = try Certificate(der: Encoding.der(pki.caCertificate) + [0])
            Issue.record("a DER certificate with a trailing byte was accepted")
        } catch {
            #expect(error.kind == .malformed)
        }
    }

    /// PEM of the wrong kind: a key given as a certificate, a certificate given as a key.
    @Test func theWrongKindOfPEMIsRefused() throws {
        #expect(throws: CredentialError.self) { try Certificate(pem: Encoding.pem(pki.leafKey)) }
        #expect(throws: CredentialError.self) { try PrivateKey(pem: Encoding.pem(pki.leafCertificate)) }
    }

    @Test func encryptedKeyIsRefusedWithoutAPrompt() throws {
        let encrypted = Encoding.encryptedPEM(pki.leafKey, passphrase: "secret")
        try #require(encrypted.starts(with: Array("-----BEGIN ENCRYPTED PRIVATE KEY-----".utf8)))
        do {
            _ = try PrivateKey(pem: encrypted)
            Issue.record("an encrypted key loaded without its passphrase")
        } catch {
            #expect(error.kind == .encryptedKey)
        }
    }

    @Test func missingFileAndFolderAreUnreadable() throws {
        defer { folder.remove() }
        do {
            _ = try Certificate(pemFile: "\(folder.path)/absent.pem")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.kind == .unreadableFile(errno: ENOENT))
            #expect(error.source == "\(folder.path)/absent.pem")
            #expect(error.description.contains("ENOENT"))
        }
        #expect(throws: CredentialError.self) { try PrivateKey(pemFile: folder.path) }
    }

    /// A device is never read as a credential: `/dev/zero` would never end.
    @Test func aDeviceIsRefusedUnread() throws {
        do {
            _ = try Certificate(pemFile: "/dev/zero")
            Issue.record("/dev/zero read as a certificate")
        } catch {
            #expect(error.kind == .unreadableFile(errno: EINVAL))
        }
    }

    @Test func aKeyOfAnotherCertificateIsAMismatch() throws {
        let other = try EphemeralPKI.generate(name: "another")
        do {
            _ = try ClientCertificate(certificate: pki.leafCertificate, key: other.leafKey)
            Issue.record("a key of another certificate was accepted")
        } catch {
            #expect(error.kind == .keyMismatch)
        }
    }
}
