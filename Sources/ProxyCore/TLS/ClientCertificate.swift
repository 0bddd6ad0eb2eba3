internal import COpenSSLCore

/// The certificate a proxy presents when an origin asks for one (mutual TLS),
/// with its key and the intermediate certificates that lead to the origin's CA.
public struct ClientCertificate: Sendable {
    /// The certificate presented, the leaf.
    public let certificate: Certificate
    /// Its private key, which signs the handshake.
    public let key: PrivateKey
    /// Intermediates sent after `certificate`, leaf-most first; not the root.
    public let chain: [Certificate]

    /// Throws `CredentialError.Kind.keyMismatch` when `key` is not `certificate`'s:
    /// a configuration error is reported where it is made, not at the first handshake.
    public init(certificate: Certificate, key: PrivateKey, chain: [Certificate] = []) throws(CredentialError) {
        ERR_clear_error()
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            throw CredentialError(.keyMismatch, source: certificate.subject, openSSLErrors: OpenSSLError.drainQueue())
        }
        self.certificate = certificate
        self.key = key
        self.chain = chain
    }
}
