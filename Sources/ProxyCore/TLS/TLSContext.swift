internal import COpenSSLCore

/// The configuration every origin connection shares: whom to trust, which
/// certificate to present, which TLS versions. Owns an `SSL_CTX`; frees it exactly once.
///
/// Configured once and then shared: `SSL_new` on a configured context is
/// safe from several threads, which a proxy's workers (and tlsprobe's loopback
/// servers) rely on. TLS 1.2 and 1.3 only.
public final class TLSContext: @unchecked Sendable {
    package let pointer: OpaquePointer

    /// A context of `method` (`TLS_client_method()`, `TLS_server_method()`), TLS 1.2 at least.
    package init(method: OpaquePointer?) throws(OpenSSLError) {
        guard let context = SSL_CTX_new(method) else { throw OpenSSLError("SSL_CTX_new") }
        pointer = context
        // TLS 1.2 and 1.3 only: what an origin connection of a current proxy negotiates.
        guard proxycore_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw OpenSSLError("SSL_CTX_set_min_proto_version")
        }
    }

    deinit {
        SSL_CTX_free(pointer)
    }

    /// A client context that verifies every origin's certificate chain against `trust`,
    /// presents `clientCertificate` when an origin asks for one, and speaks TLS 1.2 up to
    /// `maximumVersion` (the newest OpenSSL has, when `nil`).
    ///
    /// Verification cannot be turned off: `OriginConnector` also checks the origin's name
    /// or address (`PeerIdentity`) on every connection.
    public static func client(trust: TrustRoots, clientCertificate: ClientCertificate? = nil,
                              maximumVersion: TLSVersion? = nil) throws(OpenSSLError) -> TLSContext {
        let context = try TLSContext(method: TLS_client_method())
        SSL_CTX_set_verify(context.pointer, SSL_VERIFY_PEER, nil)
        let anchors: [Certificate]
        switch trust {
        case .system:
            try context.useSystemTrustStore()
            anchors = []
        case .certificates(let certificates):
            anchors = certificates
        case .systemAnd(let certificates):
            try context.useSystemTrustStore()
            anchors = certificates
        }
        guard let store = SSL_CTX_get_cert_store(context.pointer) else { throw OpenSSLError("SSL_CTX_get_cert_store") }
        for anchor in anchors {
            guard X509_STORE_add_cert(store, anchor.pointer) == 1 else { throw OpenSSLError("X509_STORE_add_cert") }
        }
        if let clientCertificate { try context.present(clientCertificate) }
        try context.limit(to: maximumVersion)
        return context
    }

    /// A client context that trusts `trustAnchors` and nothing else: `client(trust: .certificates(trustAnchors))`.
    public static func client(trustAnchors: [Certificate], maximumVersion: TLSVersion? = nil) throws(OpenSSLError) -> TLSContext {
        try client(trust: .certificates(trustAnchors), maximumVersion: maximumVersion)
    }

    private func useSystemTrustStore() throws(OpenSSLError) {
        guard SSL_CTX_set_default_verify_paths(pointer) == 1 else { throw OpenSSLError("SSL_CTX_set_default_verify_paths") }
    }

    /// The certificate, its chain and its key, checked to belong together.
    private func present(_ identity: ClientCertificate) throws(OpenSSLError) {
        guard SSL_CTX_use_certificate(pointer, identity.certificate.pointer) == 1 else { throw OpenSSLError("SSL_CTX_use_certificate") }
        for intermediate in identity.chain {
            // add0 takes the reference it is given: one of its own for the context.
            X509_up_ref(intermediate.pointer)
            guard proxycore_SSL_CTX_add0_chain_cert(pointer, intermediate.pointer) == 1 else {
                X509_free(intermediate.pointer)
                throw OpenSSLError("SSL_CTX_add0_chain_cert")
            }
        }
        guard SSL_CTX_use_PrivateKey(pointer, identity.key.pointer) == 1 else { throw OpenSSLError("SSL_CTX_use_PrivateKey") }
        guard SSL_CTX_check_private_key(pointer) == 1 else { throw OpenSSLError("SSL_CTX_check_private_key") }
    }

    /// Caps the TLS version (`nil`: no cap).
    package func limit(to version: TLSVersion?) throws(OpenSSLError) {
        guard let version else { return }
        guard proxycore_SSL_CTX_set_max_proto_version(pointer, version.protocolNumber) == 1 else {
            throw OpenSSLError("SSL_CTX_set_max_proto_version")
        }
    }
}
