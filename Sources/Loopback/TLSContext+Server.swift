import COpenSSL
import ProxyCore

extension TLSContext {
    /// A server context presenting `certificate`: what the loopback servers need, and
    /// nothing a proxy's origin connections do, so it lives here rather than in ProxyCore.
    /// `clientCertificatesFrom`: require a client certificate issued by one of these.
    package static func server(certificate: Certificate, key: PrivateKey, maximumVersion: TLSVersion? = nil,
                               clientCertificatesFrom clientCAs: [Certificate] = []) throws(OpenSSLError) -> TLSContext {
        let context = try TLSContext(method: TLS_server_method())
        guard SSL_CTX_use_certificate(context.pointer, certificate.pointer) == 1 else { throw OpenSSLError("SSL_CTX_use_certificate") }
        guard SSL_CTX_use_PrivateKey(context.pointer, key.pointer) == 1 else { throw OpenSSLError("SSL_CTX_use_PrivateKey") }
        guard SSL_CTX_check_private_key(context.pointer) == 1 else { throw OpenSSLError("SSL_CTX_check_private_key") }
        if !clientCAs.isEmpty {
            guard let store = SSL_CTX_get_cert_store(context.pointer) else { throw OpenSSLError("SSL_CTX_get_cert_store") }
            for anchor in clientCAs {
                guard X509_STORE_add_cert(store, anchor.pointer) == 1 else { throw OpenSSLError("X509_STORE_add_cert") }
            }
            SSL_CTX_set_verify(context.pointer, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
        try context.limit(to: maximumVersion)
        return context
    }
}
