internal import COpenSSL

/// Owns an `X509`; frees it exactly once.
///
/// OpenSSL calls that keep a certificate (`SSL_CTX_use_certificate`,
/// `X509_STORE_add_cert`) take their own reference, so this owner's
/// reference stays the only one it has to drop.
public final class Certificate: @unchecked Sendable {
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }
}
