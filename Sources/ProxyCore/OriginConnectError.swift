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

    init(kind: Kind, message: String, errno: Int32? = nil, openSSLErrors: [String] = [], verifyError: String? = nil,
         diagnostics: ConnectDiagnostics) {
        self.kind = kind
        self.message = message
        self.errno = errno
        self.openSSLErrors = openSSLErrors
        self.verifyError = verifyError
        self.diagnostics = diagnostics
    }

    /// Classifies whatever a connect step threw.
    init(_ error: any Error, diagnostics: ConnectDiagnostics) {
        switch error {
        case let error as Unsupported:
            self.init(kind: .unsupported, message: error.reason, diagnostics: diagnostics)
        case let error as TLSError:
            self.init(kind: error.kind == .deadline ? .timedOut : .failed, message: error.description, errno: error.errno,
                      openSSLErrors: error.openSSLErrors, verifyError: error.verifyError, diagnostics: diagnostics)
        case let error as SocketError:
            self.init(kind: .failed, message: error.description, errno: error.errno, diagnostics: diagnostics)
        case let error as SystemCallFailure:
            self.init(kind: .failed, message: "\(error.operation) failed: \(ErrnoName.of(error.errno))", errno: error.errno,
                      openSSLErrors: error.openSSLErrors, diagnostics: diagnostics)
        case let error as DeadlineExceeded:
            self.init(kind: .timedOut, message: error.description, diagnostics: diagnostics)
        case let error as OpenSSLError:
            self.init(kind: .failed, message: error.description, openSSLErrors: error.errorStrings, diagnostics: diagnostics)
        default:
            self.init(kind: .failed, message: "\(error)", diagnostics: diagnostics)
        }
    }
}
