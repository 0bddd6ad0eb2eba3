internal import COpenSSLCore

// The few errors ProxyCore throws, in one place (as swift-nio-ssl keeps its
// SSL errors): a failed system call, a passed deadline, an OpenSSL call that
// failed, a TLS operation that failed, and the origin connect that wraps them all.

/// A system call failed; carries the errno so reports can quote it by name.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// The call that failed: `socket`, `connect`, `setsockopt(TCP_FASTOPEN_CONNECT)`, `BIO_connect`, `pipe` …
    public let operation: String
    public let errno: Int32
    /// OpenSSL's error queue, when OpenSSL made the call on our behalf (`BIO_connect`).
    public let openSSLErrors: [String]

    public init(_ operation: String, errno: Int32, openSSLErrors: [String] = []) {
        self.operation = operation
        self.errno = errno
        self.openSSLErrors = openSSLErrors
    }

    public var errnoName: String { ErrnoName.of(errno) }

    public var description: String { "\(operation) failed: \(errnoName)" }
}

/// A wait ran past its deadline.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public let operation: String

    public init(_ operation: String) {
        self.operation = operation
    }

    public var description: String { "deadline passed while waiting for \(operation)" }
}

/// An OpenSSL call failed; carries the whole error queue as text.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let errorStrings: [String]

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

    public var description: String {
        errorStrings.isEmpty ? "\(operation) failed" : "\(operation) failed: \(errorStrings.joined(separator: "; "))"
    }
}

/// A TLS operation failed: everything needed to tell a protocol error
/// from a failed system call, a refused certificate, or a timeout.
public struct TLSError: Error, Sendable, CustomStringConvertible {
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
    public let kind: Kind
    /// `SSL_get_error`'s answer, when OpenSSL gave one.
    public let sslErrorCode: Int32?
    public let errno: Int32?
    public let openSSLErrors: [String]
    /// `X509_verify_cert_error_string` when verification failed.
    public let verifyError: String?

    public init(operation: String, kind: Kind, sslErrorCode: Int32? = nil, errno: Int32? = nil,
                openSSLErrors: [String] = [], verifyError: String? = nil) {
        self.operation = operation
        self.kind = kind
        self.sslErrorCode = sslErrorCode
        self.errno = errno
        self.openSSLErrors = openSSLErrors
        self.verifyError = verifyError
    }

    public var errnoName: String? { errno.map(ErrnoName.of) }

    /// `SSL_ERROR_ZERO_RETURN`: the peer's close_notify, a clean end of the stream.
    package static let zeroReturn = SSL_ERROR_ZERO_RETURN

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
