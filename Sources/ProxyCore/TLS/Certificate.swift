internal import COpenSSLCore

/// An X.509 certificate: a trust anchor, a client certificate, or one of its chain.
///
/// Owns an `X509` and frees it exactly once. OpenSSL calls that keep a certificate
/// (`SSL_CTX_use_certificate`, `X509_STORE_add_cert`) take their own reference, so
/// this owner's reference stays the only one it has to drop.
public final class Certificate: @unchecked Sendable {
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }

    /// The first certificate of PEM text (`-----BEGIN CERTIFICATE-----`).
    public convenience init(pem: [UInt8]) throws(CredentialError) {
        let first = try Certificate.all(pem: pem, source: "PEM bytes")[0]
        // A reference of this owner's own; `first` drops its reference when it goes.
        X509_up_ref(first.pointer)
        self.init(taking: first.pointer)
    }

    /// A certificate in DER, the binary encoding (`.der`, `.cer`).
    public convenience init(der: [UInt8]) throws(CredentialError) {
        try self.init(taking: Certificate.parse(der: der, source: "DER bytes"))
    }

    /// The first certificate of a PEM file.
    public convenience init(pemFile path: String) throws(CredentialError) {
        let first = try Certificate.all(pem: CredentialFile.read(path), source: path)[0]
        X509_up_ref(first.pointer)
        self.init(taking: first.pointer)
    }

    /// The certificate of a DER file.
    public convenience init(derFile path: String) throws(CredentialError) {
        try self.init(taking: Certificate.parse(der: CredentialFile.read(path), source: path))
    }

    /// Every certificate of PEM text, in order: a CA bundle, or a certificate chain.
    /// At least one, or it throws.
    public static func all(pem: [UInt8]) throws(CredentialError) -> [Certificate] {
        try all(pem: pem, source: "PEM bytes")
    }

    /// Every certificate of a PEM file, in order (a CA bundle, a chain). At least one, or it throws.
    public static func all(pemFile path: String) throws(CredentialError) -> [Certificate] {
        try all(pem: CredentialFile.read(path), source: path)
    }

    /// The subject as OpenSSL prints it in one line (`CN=origin.example`), for logs.
    public var subject: String {
        guard let name = X509_get_subject_name(pointer),
              let text = X509_NAME_oneline(name, nil, 0) else { return "" }
        defer { CRYPTO_free(text, #fileID, #line) }
        return String(cString: text)
    }

    static func all(pem: [UInt8], source: String) throws(CredentialError) -> [Certificate] {
        try MemoryBIO.reading(pem, source: source) { (bio) throws(CredentialError) in
            ERR_clear_error()
            var certificates: [Certificate] = []
            while let x509 = proxycore_PEM_read_bio_X509(bio) {
                certificates.append(Certificate(taking: x509))
            }
            // The loop ends on "no start line" at the end of the input: expected once there was one.
            let errors = OpenSSLError.drainQueue()
            guard !certificates.isEmpty else { throw CredentialError(.malformed, source: source, openSSLErrors: errors) }
            return certificates
        }
    }

    static func parse(der: [UInt8], source: String) throws(CredentialError) -> OpaquePointer {
        ERR_clear_error()
        let parsed = der.withUnsafeBytes { (raw) -> OpaquePointer? in
            guard let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = UnsafePointer(start)
            let x509 = d2i_X509(nil, &cursor, raw.count)
            // Bytes left over after the certificate: not one DER certificate.
            guard let x509, cursor == UnsafePointer(start) + raw.count else {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let parsed else { throw CredentialError(.malformed, source: source, openSSLErrors: OpenSSLError.drainQueue()) }
        return parsed
    }
}
