/// What the first write of a TLS connection did at the system-call level.
///
/// This is the evidence for the 3.2 regression: the legacy BIO's first write
/// is a `sendto(…, MSG_FASTOPEN, dst, 0)` that fails with `EINVAL`.
public struct FirstWrite: Sendable, Codable, Equatable {
    /// `sendto` or `write`.
    public var syscall: String
    /// Flags passed, by name (`MSG_FASTOPEN`); empty for `write`.
    public var flags: [String]
    /// The address length passed to `sendto`; `nil` when no address was passed.
    public var addressLength: Int?
    /// What a correct call passes for the destination's family (16 for IPv4, 28 for IPv6).
    public var expectedAddressLength: Int
    /// The call's return value: bytes written, or -1.
    public var result: Int
    /// errno when `result` is -1.
    public var errno: Int32?
    public var errnoName: String?
    /// Who saw the call: the libc boundary, the fast-open BIO's own write, or a callback on OpenSSL's socket BIO.
    public var observedBy: String
    /// The family of the destination passed (`AF_INET`, `AF_INET6`, `AF_UNSPEC` for the zeroed
    /// struct of the 3.2 regression), when the observer saw the address itself; `nil` otherwise.
    public var destinationFamily: String?

    public init(syscall: String, flags: [String], addressLength: Int?, expectedAddressLength: Int,
                result: Int, errno: Int32?, observedBy: String) {
        self.syscall = syscall
        self.flags = flags
        self.addressLength = addressLength
        self.expectedAddressLength = expectedAddressLength
        self.result = result
        self.errno = errno
        self.errnoName = errno.map(ErrnoName.of)
        self.observedBy = observedBy
    }
}

extension FirstWrite {
    /// The same call with the same outcome, whoever saw it.
    package func sameCall(as other: FirstWrite) -> Bool {
        syscall == other.syscall && Set(flags) == Set(other.flags) && addressLength == other.addressLength
            && result == other.result && errno == other.errno
    }

    /// `sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL`: the call in one phrase.
    package var summary: String {
        var arguments = flags
        if let addressLength { arguments.append("addrlen \(addressLength)") }
        return "\(syscall)(\(arguments.joined(separator: ", "))) = \(result)\(errnoName.map { " \($0)" } ?? "")"
    }
}
