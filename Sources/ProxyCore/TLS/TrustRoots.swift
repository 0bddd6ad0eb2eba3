/// The certificates an origin's chain must lead to.
public enum TrustRoots: Sendable {
    /// The system's trust store, as OpenSSL finds it (`SSL_CTX_set_default_verify_paths`:
    /// the build's default CA file and folder, `/etc/ssl/certs` on Debian, or the
    /// `SSL_CERT_FILE` and `SSL_CERT_DIR` environment variables when set).
    case system
    /// These certificates and nothing else: a private CA, or a pinned origin's own.
    case certificates([Certificate])
    /// The system's trust store and these certificates.
    case systemAnd([Certificate])
}
