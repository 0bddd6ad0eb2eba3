internal import COpenSSLCore

/// A private key: RSA, ECDSA or EdDSA, whatever OpenSSL reads. A client certificate's key.
///
/// Owns an `EVP_PKEY` and frees it exactly once. Encrypted keys are refused
/// (`CredentialError.Kind.encryptedKey`): ProxyCore never prompts for a passphrase.
public final class PrivateKey: @unchecked Sendable {
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// A key in PEM: PKCS #8 (`BEGIN PRIVATE KEY`) or a traditional form (`BEGIN EC PRIVATE KEY`, `BEGIN RSA PRIVATE KEY`).
    public convenience init(pem: [UInt8]) throws(CredentialError) {
        try self.init(taking: PrivateKey.parse(pem: pem, source: "PEM bytes"))
    }

    /// A key in DER: PKCS #8 or a traditional form, told apart by OpenSSL.
    public convenience init(der: [UInt8]) throws(CredentialError) {
        try self.init(taking: PrivateKey.parse(der: der, source: "DER bytes"))
    }

    /// A key from a PEM file.
    public convenience init(pemFile path: String) throws(CredentialError) {
        try self.init(taking: PrivateKey.parse(pem: CredentialFile.read(path), source: path))
    }

    /// A key from a DER file.
    public convenience init(derFile path: String) throws(CredentialError) {
        try self.init(taking: PrivateKey.parse(der: CredentialFile.read(path), source: path))
    }

    static func parse(pem: [UInt8], source: String) throws(CredentialError) -> OpaquePointer {
        try MemoryBIO.reading(pem, source: source) { (bio) throws(CredentialError) in
            ERR_clear_error()
            guard let key = proxycore_PEM_read_bio_PrivateKey(bio) else {
                let encrypted = pem.starts(with: Array("-----BEGIN ENCRYPTED".utf8))
                    || String(decoding: pem.prefix(4096), as: UTF8.self).contains("ENCRYPTED")
                throw CredentialError(encrypted ? .encryptedKey : .malformed, source: source, openSSLErrors: OpenSSLError.drainQueue())
            }
            return key
        }
    }

    static func parse(der: [UInt8], source: String) throws(CredentialError) -> OpaquePointer {
        ERR_clear_error()
        let parsed = der.withUnsafeBytes { (raw) -> OpaquePointer? in
            guard let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = UnsafePointer(start)
            let key = d2i_AutoPrivateKey(nil, &cursor, raw.count)
            guard let key, cursor == UnsafePointer(start) + raw.count else {
                EVP_PKEY_free(key)
                return nil
            }
            return key
        }
        guard let parsed else { throw CredentialError(.malformed, source: source, openSSLErrors: OpenSSLError.drainQueue()) }
        return parsed
    }
}
