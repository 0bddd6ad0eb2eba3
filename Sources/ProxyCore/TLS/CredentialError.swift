/// A certificate or private key could not be loaded: the file could not be read,
/// or its bytes are not what they were said to be.
///
/// Carries OpenSSL's error queue as text, so that a proxy's log says what
/// OpenSSL objected to (`no start line`, `wrong tag`, `bad decrypt`, …).
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in the terms a configuration error is reported in.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read; `errno` says why.
        case unreadableFile(errno: Int32)
        /// The file is larger than any certificate or key bundle ProxyCore reads
        /// (`CredentialFile.maximumSize`): it is not what it was said to be.
        case fileTooLarge(bytes: Int)
        /// The bytes are not a certificate or key in the format given.
        case malformed
        /// The key is encrypted: ProxyCore never prompts for a passphrase.
        case encryptedKey
        /// A client certificate and its key do not belong together.
        case keyMismatch
    }

    /// What went wrong.
    public let kind: Kind
    /// The file path, or `PEM bytes` / `DER bytes` for input from memory.
    public let source: String
    /// OpenSSL's error queue at the failure, one line per entry.
    public let openSSLErrors: [String]

    /// A failure of `kind` reading `source`, with OpenSSL's error queue.
    public init(_ kind: Kind, source: String, openSSLErrors: [String] = []) {
        self.kind = kind
        self.source = source
        self.openSSLErrors = openSSLErrors
    }

    /// `/etc/proxy/ca.pem: not a certificate or key in the format given: …`.
    public var description: String {
        let what = switch kind {
        case .unreadableFile(let code): "cannot read the file: \(ErrnoName.describe(code))"
        case .fileTooLarge(let bytes): "file too large (\(bytes) bytes; at most \(CredentialFile.maximumSize))"
        case .malformed: "not a certificate or key in the format given"
        case .encryptedKey: "the key is encrypted (ProxyCore takes unencrypted keys only)"
        case .keyMismatch: "the key does not match the certificate"
        }
        return openSSLErrors.isEmpty ? "\(source): \(what)" : "\(source): \(what): \(openSSLErrors.joined(separator: "; "))"
    }
}
