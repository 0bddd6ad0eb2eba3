/// A system call on a socket failed; carries the errno so reports can quote it.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// The call that failed: `socket`, `connect`, `setsockopt(TCP_FASTOPEN_CONNECT)`, `poll` …
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
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
