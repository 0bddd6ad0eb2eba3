import COpenSSL

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
