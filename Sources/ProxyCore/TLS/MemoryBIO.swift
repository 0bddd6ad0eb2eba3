internal import COpenSSLCore

/// A read-only memory BIO over bytes a certificate or key is parsed from.
enum MemoryBIO {
    /// Runs `body` with a BIO reading `bytes`; the BIO is freed when `body` returns.
    static func reading<R>(_ bytes: [UInt8], source: String,
                           _ body: (OpaquePointer) throws(CredentialError) -> R) throws(CredentialError) -> R {
        let made: OpaquePointer? = bytes.withUnsafeBytes { raw in
            // BIO_new_mem_buf does not copy: the bytes outlive the BIO, which is freed below.
            BIO_new_mem_buf(raw.baseAddress, Int32(clamping: raw.count))
        }
        guard let bio = made else { throw CredentialError(.malformed, source: source, openSSLErrors: OpenSSLError.drainQueue()) }
        defer { BIO_free(bio) }
        return try withExtendedLifetime(bytes) { () throws(CredentialError) -> R in try body(bio) }
    }
}
