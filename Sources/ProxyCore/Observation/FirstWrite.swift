public import SystemPackage

/// What the first write of a TLS connection did at the system-call level.
///
/// This is the evidence for the 3.2 regression: the legacy BIO's first write
/// is a `sendto(…, MSG_FASTOPEN, dst, 0)` that fails with `EINVAL`.
///
/// Its JSON is the report's contract: the call and its observer by name, and the
/// errno twice, as its number (`errno`) and its name (`errnoName`), though here
/// it is one value.
public struct FirstWrite: Sendable, Codable, Equatable {
    /// The call the data went out with.
    public var syscall: Syscall
    /// Flags passed, by name (`MSG_FASTOPEN`); empty for `write`.
    public var flags: [String]
    /// The address length passed to `sendto`; `nil` when no address was passed.
    public var addressLength: Int?
    /// What a correct call passes for the destination's family (16 for IPv4, 28 for IPv6).
    public var expectedAddressLength: Int
    /// The call's return value: bytes written, or -1.
    public var result: Int
    /// The error when `result` is -1.
    public var errno: Errno?
    /// Who saw the call: the libc boundary, the fast-open BIO's own write, or a callback on OpenSSL's socket BIO.
    public var observedBy: Observer
    /// The family of the destination passed (`AF_INET`, `AF_INET6`, `AF_UNSPEC` for the zeroed
    /// struct of the 3.2 regression), when the observer saw the address itself; `nil` otherwise.
    /// Only tlsprobe's libc-boundary observer sees it: not part of the public API.
    package var destinationFamily: String?

    package init(syscall: Syscall, flags: [String], addressLength: Int?, expectedAddressLength: Int,
                result: Int, errno: Errno?, observedBy: Observer) {
        self.syscall = syscall
        self.flags = flags
        self.addressLength = addressLength
        self.expectedAddressLength = expectedAddressLength
        self.result = result
        self.errno = errno
        self.observedBy = observedBy
    }

    /// `EINVAL`: the errno as bug reports quote it (`ErrnoName`), when the call failed.
    public var errnoName: String? { errno.map { ErrnoName.of($0.rawValue) } }

    private enum CodingKeys: String, CodingKey {
        case syscall, flags, addressLength, expectedAddressLength, result, errno, errnoName, observedBy, destinationFamily
    }

    /// Reads the errno from its number; `errnoName` is derived from it, so it is not read.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        syscall = try container.decode(Syscall.self, forKey: .syscall)
        flags = try container.decode([String].self, forKey: .flags)
        addressLength = try container.decodeIfPresent(Int.self, forKey: .addressLength)
        expectedAddressLength = try container.decode(Int.self, forKey: .expectedAddressLength)
        result = try container.decode(Int.self, forKey: .result)
        errno = try container.decodeIfPresent(Int32.self, forKey: .errno).map(Errno.init(rawValue:))
        observedBy = try container.decode(Observer.self, forKey: .observedBy)
        destinationFamily = try container.decodeIfPresent(String.self, forKey: .destinationFamily)
    }

    /// Writes the errno as its number and its name, both absent when the call succeeded.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(syscall, forKey: .syscall)
        try container.encode(flags, forKey: .flags)
        try container.encodeIfPresent(addressLength, forKey: .addressLength)
        try container.encode(expectedAddressLength, forKey: .expectedAddressLength)
        try container.encode(result, forKey: .result)
        try container.encodeIfPresent(errno?.rawValue, forKey: .errno)
        try container.encodeIfPresent(errnoName, forKey: .errnoName)
        try container.encode(observedBy, forKey: .observedBy)
        try container.encodeIfPresent(destinationFamily, forKey: .destinationFamily)
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
        return "\(syscall.rawValue)(\(arguments.joined(separator: ", "))) = \(result)\(errnoName.map { " \($0)" } ?? "")"
    }
}
