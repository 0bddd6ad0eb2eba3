internal import COpenSSL

/// Owns an `EVP_PKEY`; frees it exactly once.
///
/// Keys live only in memory: nothing here writes a key to disk.
public final class PrivateKey: @unchecked Sendable {
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// A fresh ECDSA P-256 key: cheap to make, so every run can have its own.
    public static func generateP256() throws(OpenSSLError) -> PrivateKey {
        guard let key = tlsprobe_EVP_EC_gen("P-256") else { throw OpenSSLError("EVP_EC_gen(P-256)") }
        return PrivateKey(taking: key)
    }
}
