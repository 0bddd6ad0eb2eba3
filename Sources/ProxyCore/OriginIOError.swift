/// A read, write or shutdown on an established `OriginConnection` failed.
///
/// Carries what failed (`error`: a system call and its errno, the origin's close, a
/// deadline, OpenSSL's error queue) and how the connection was made (`diagnostics`),
/// so a proxy can log both, or put them in the 502 it answers.
public struct OriginIOError: Error, Sendable, CustomStringConvertible {
    /// The TLS operation's failure.
    public let error: TLSError
    /// The connection's diagnostics, as `OriginConnection.diagnostics`.
    public let diagnostics: ConnectDiagnostics

    /// `error`, on the connection made as `diagnostics` says.
    public init(_ error: TLSError, diagnostics: ConnectDiagnostics) {
        self.error = error
        self.diagnostics = diagnostics
    }

    /// `fd: read: deadline passed`: the strategy, then the failure.
    public var description: String { "\(diagnostics.strategy): \(error)" }
}
