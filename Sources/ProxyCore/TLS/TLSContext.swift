internal import COpenSSL

/// Owns an `SSL_CTX`; frees it exactly once.
///
/// Configured once and then shared: `SSL_new` on a configured context is
/// safe from several threads, which the loopback server relies on.
public final class TLSContext: @unchecked Sendable {
    package let pointer: OpaquePointer

    private init(method: OpaquePointer?) throws(OpenSSLError) {
        guard let context = SSL_CTX_new(method) else { throw OpenSSLError("SSL_CTX_new") }
        pointer = context
        // TLS 1.2 and 1.3 only: what an origin connection of a current proxy negotiates.
        guard tlsprobe_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw OpenSSLError("SSL_CTX_set_min_proto_version")
        }
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// A client context that verifies the peer against `trustAnchors` and nothing else.
    public static func client(trustAnchors: [Certificate], maximumVersion: TLSVersion? = nil) throws(OpenSSLError) -> TLSContext {
        let context = try TLSContext(method: TLS_client_method())
        SSL_CTX_set_verify(context.pointer, SSL_VERIFY_PEER, nil)
        guard let store = SSL_CTX_get_cert_store(context.pointer) else { throw OpenSSLError("SSL_CTX_get_cert_store") }
        for anchor in trustAnchors {
            guard X509_STORE_add_cert(store, anchor.pointer) == 1 else { throw OpenSSLError("X509_STORE_add_cert") }
        }
        try context.limit(to: maximumVersion)
        return context
    }

    /// A server context presenting `certificate`.
    public static func server(certificate: Certificate, key: PrivateKey,
                              maximumVersion: TLSVersion? = nil) throws(OpenSSLError) -> TLSContext {
        let context = try TLSContext(method: TLS_server_method())
        guard SSL_CTX_use_certificate(context.pointer, certificate.pointer) == 1 else { throw OpenSSLError("SSL_CTX_use_certificate") }
        guard SSL_CTX_use_PrivateKey(context.pointer, key.pointer) == 1 else { throw OpenSSLError("SSL_CTX_use_PrivateKey") }
        guard SSL_CTX_check_private_key(context.pointer) == 1 else { throw OpenSSLError("SSL_CTX_check_private_key") }
        try context.limit(to: maximumVersion)
        return context
    }

    private func limit(to version: TLSVersion?) throws(OpenSSLError) {
        guard let version else { return }
        guard tlsprobe_SSL_CTX_set_max_proto_version(pointer, version.protocolNumber) == 1 else {
            throw OpenSSLError("SSL_CTX_set_max_proto_version")
        }
    }
}
