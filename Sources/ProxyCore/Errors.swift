internal import COpenSSLCore

// The few errors ProxyCore throws, in one place (as swift-nio-ssl keeps its
// SSL errors): a failed system call, a passed deadline, an OpenSSL call that
// failed, a TLS operation that failed, and the origin connect that wraps them all.

/// A system call failed; carries the errno so reports can quote it by name.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// The call that failed: `socket`, `connect`, `setsockopt(TCP_FASTOPEN_CONNECT)`, `BIO_connect`, `pipe` …
    public let operation: String
    /// The C library's errno after the call.
    public let errno: Int32
    /// OpenSSL's error queue, when OpenSSL made the call on our behalf (`BIO_connect`).
    public let openSSLErrors: [String]

    /// `operation` failed with `errno`; `openSSLErrors` when OpenSSL made the call.
    public init(_ operation: String, errno: Int32, openSSLErrors: [String] = []) {
        self.operation = operation
        self.errno = errno
        self.openSSLErrors = openSSLErrors
    }

    /// `EINVAL`, as bug reports quote it.
    public var errnoName: String { ErrnoName.of(errno) }

    /// `connect failed: ECONNREFUSED`.
    public var description: String { "\(operation) failed: \(errnoName)" }
}

/// A wait ran past its deadline.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    /// What was waited for: `connect`, `handshake`, `read` …
    public let operation: String

    /// The deadline of `operation` passed.
    public init(_ operation: String) {
        self.operation = operation
    }

    /// `deadline passed while waiting for connect`.
    public var description: String { "deadline passed while waiting for \(operation)" }
}

/// An OpenSSL call failed; carries the whole error queue as text.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// The OpenSSL call that failed (`SSL_CTX_new`, `SSL_set_fd` …).
    public let operation: String
    /// OpenSSL's error queue at the failure, one line per entry, oldest first.
    public let errorStrings: [String]

    /// `operation` failed; by default with this thread's error queue, which it empties.
    public init(_ operation: String, errorStrings: [String] = OpenSSLError.drainQueue()) {
        self.operation = operation
        self.errorStrings = errorStrings
    }

    /// Empties this thread's OpenSSL error queue into readable lines.
    public static func drainQueue() -> [String] {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines
    }

    /// `SSL_CTX_new failed: …`, with the error queue.
    public var description: String {
        errorStrings.isEmpty ? "\(operation) failed" : "\(operation) failed: \(errorStrings.joined(separator: "; "))"
    }
}

/// A TLS operation failed: everything needed to tell a protocol error
/// from a failed system call, a refused certificate, or a timeout.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    /// Which way a TLS operation failed.
    public enum Kind: String, Sendable, Codable {
        /// A system call under the BIO failed; `errno` says which way.
        case systemCall
        /// The peer closed the connection.
        case peerClosed
        /// The peer's certificate was refused.
        case verification
        /// OpenSSL reported a protocol or library error.
        case protocolFailure
        /// The deadline passed.
        case deadline
        /// The connection was closed (`OriginConnection.close()`) before the operation.
        case closed
    }

    /// `handshake`, `write` or `read`.
    public let operation: String
    /// Which way it failed.
    public let kind: Kind
    /// `SSL_get_error`'s answer, when OpenSSL gave one.
    public let sslErrorCode: Int32?
    /// The errno of the failed system call, for `.systemCall`.
    public let errno: Int32?
    /// OpenSSL's error queue at the failure.
    public let openSSLErrors: [String]
    /// `X509_verify_cert_error_string` when verification failed.
    public let verifyError: String?

    /// A failure of `operation` of `kind`, with what OpenSSL and the C library said.
    public init(operation: String, kind: Kind, sslErrorCode: Int32? = nil, errno: Int32? = nil,
                openSSLErrors: [String] = [], verifyError: String? = nil) {
        self.operation = operation
        self.kind = kind
        self.sslErrorCode = sslErrorCode
        self.errno = errno
        self.openSSLErrors = openSSLErrors
        self.verifyError = verifyError
    }

    /// `ECONNRESET`, as bug reports quote it; `nil` without an errno.
    public var errnoName: String? { errno.map(ErrnoName.of) }

    /// `SSL_ERROR_ZERO_RETURN`: the peer's close_notify, a clean end of the stream.
    package static let zeroReturn = SSL_ERROR_ZERO_RETURN

    /// `read: system call failed with ECONNRESET`, and so on for each kind.
    public var description: String {
        switch kind {
        case .systemCall:
            return "\(operation): system call failed with \(errnoName ?? "unknown errno")"
        case .peerClosed:
            return "\(operation): peer closed the connection"
        case .verification:
            return "\(operation): certificate verification failed: \(verifyError ?? openSSLErrors.joined(separator: "; "))"
        case .protocolFailure:
            return "\(operation): \(openSSLErrors.isEmpty ? "OpenSSL error \(sslErrorCode ?? 0)" : openSSLErrors.joined(separator: "; "))"
        case .deadline:
            return "\(operation): deadline passed"
        case .closed:
            return "\(operation): the connection is closed"
        }
    }
}

/// This runtime or kernel cannot do a strategy at all (`BIO_SOCK_TFO` below OpenSSL 3.2, say).
package struct Unsupported: Error, Sendable {
    package let reason: String

    package init(_ reason: String) {
        self.reason = reason
    }
}

/// An origin connect failed. Carries the diagnostics gathered up to the failure.
public struct OriginConnectError: Error, Sendable, CustomStringConvertible {
    /// Whether the connect could not be tried, failed, or ran out of time.
    public enum Kind: String, Sendable {
        /// This runtime or kernel cannot do the strategy at all (e.g. `BIO_SOCK_TFO` below OpenSSL 3.2).
        case unsupported
        /// It was tried and failed.
        case failed
        /// The deadline passed.
        case timedOut
    }

    /// Whether it could not be tried, failed, or timed out.
    public let kind: Kind
    /// What failed, in a line: the step and its reason.
    public let message: String
    /// The errno of the failed system call, if one failed (`EINVAL` for the 3.2 regression).
    public let errno: Int32?
    /// OpenSSL's error queue at the failure.
    public let openSSLErrors: [String]
    /// Set when the origin's certificate was refused.
    public let verifyError: String?
    /// What the connect did up to the failure: the strategy, its notes, the first write.
    public let diagnostics: ConnectDiagnostics

    /// `EINVAL`, as bug reports quote it; `nil` without an errno.
    public var errnoName: String? { errno.map(ErrnoName.of) }

    /// `fd: connect failed: ECONNREFUSED`: the strategy, then the failure.
    public var description: String { "\(diagnostics.strategy): \(message)" }

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
        case let error as SystemCallError:
            self.init(kind: .failed, message: error.description, errno: error.errno,
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
