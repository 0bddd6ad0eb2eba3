/// An origin connect failed. Carries the diagnostics gathered up to the failure.
public struct OriginConnectError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// This runtime or kernel cannot do the strategy at all (e.g. `BIO_SOCK_TFO` below OpenSSL 3.2).
        case unsupported
        /// It was tried and failed.
        case failed
        /// The deadline passed.
        case timedOut
    }

    public let kind: Kind
    public let message: String
    public let errno: Int32?
    public let openSSLErrors: [String]
    /// Set when the origin's certificate was refused.
    public let verifyError: String?
    public let diagnostics: ConnectDiagnostics

    public var errnoName: String? { errno.map(ErrnoName.of) }

    public var description: String { "\(diagnostics.strategy.rawValue): \(message)" }
}
