extension FirstWrite {
    /// Who recorded a first write (the JSON's `observedBy`): two records of the same
    /// write by different observers are how the matrix tells evidence it can trust.
    public enum Observer: String, Sendable, Codable, CaseIterable {
        /// The matrix worker's interposed `sendto`/`send`/`sendmsg`/`write`/`writev`:
        /// what the C library was asked, whatever BIO asked it.
        case libcBoundary = "libc boundary"
        /// A callback on OpenSSL's own socket BIO (`SocketBIOObserver`).
        case openSSLSocketBIO = "OpenSSL socket BIO"
        /// The fast-open BIO's own write (tlsprobe's `exdata-fastopen` and the legacy design's reproductions).
        case fastOpenBIO = "fast-open BIO"
        /// The fast-open filter BIO over OpenSSL's socket BIO (`FilterFastOpenBIO`).
        case fastOpenFilterBIO = "fast-open filter BIO"
        /// The reproduction that keeps the connection record in the BIO's data pointer.
        case applicationRecordBIO = "application-record BIO"
    }
}
