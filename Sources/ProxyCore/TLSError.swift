import COpenSSL

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
        }
    }
}
