/// The first write of a TLS handshake record on one TCP socket of the program, as the
/// preloaded observer saw it at the C library's boundary: what the kernel was asked and
/// what it answered. The evidence a run's verdict rests on.
package struct ObservedWrite: Sendable, Codable, Equatable {
    /// The process that wrote (a program may fork or start others).
    package var pid: Int32
    package var fd: Int32
    /// `write`, `writev`, `send`, `sendto` or `sendmsg`.
    package var call: String
    /// The flags argument (0 for `write` and `writev`).
    package var flags: Int32
    /// `MSG_FASTOPEN` was among the flags: the write asked the kernel to connect.
    package var fastOpen: Bool
    /// The socket's own family (`SO_DOMAIN`): `ipv4` or `ipv6`.
    package var socketFamily: String
    /// The `sa_family` of the destination passed, when one was (`nil`: no address).
    package var addressFamily: Int32?
    /// The address length passed with it (`nil`: no address).
    package var addressLength: UInt32?
    /// The length the socket's family needs (16 for IPv4, 28 for IPv6), when an address was passed.
    package var expectedAddressLength: UInt32?
    /// Bytes written, or -1.
    package var result: Int
    /// errno when the call failed.
    package var errno: Int32?
    /// Its name (`EINVAL`).
    package var errnoName: String?
    /// Bytes the call was asked to write.
    package var bytes: Int
    /// Writes on the socket before this one that were not TLS (a STARTTLS protocol's, PostgreSQL's SSLRequest).
    package var plainWritesBefore: Int
    /// The peer, `127.0.0.1:8443` or `[::1]:8443`, once known.
    package var peer: String?

    package init(pid: Int32, fd: Int32, call: String, flags: Int32, fastOpen: Bool, socketFamily: String,
                 addressFamily: Int32? = nil, addressLength: UInt32? = nil, expectedAddressLength: UInt32? = nil,
                 result: Int, errno: Int32? = nil, errnoName: String? = nil, bytes: Int, plainWritesBefore: Int = 0,
                 peer: String? = nil) {
        self.pid = pid
        self.fd = fd
        self.call = call
        self.flags = flags
        self.fastOpen = fastOpen
        self.socketFamily = socketFamily
        self.addressFamily = addressFamily
        self.addressLength = addressLength
        self.expectedAddressLength = expectedAddressLength
        self.result = result
        self.errno = errno
        self.errnoName = errnoName
        self.bytes = bytes
        self.plainWritesBefore = plainWritesBefore
        self.peer = peer
    }

    /// The regression's signature: a destination passed whose length is not what the socket's
    /// family needs (0 when the BIO took OpenSSL's zeroed struct for its own address).
    package var wrongAddressLength: Bool {
        guard let addressLength, let expectedAddressLength else { return false }
        return addressLength != expectedAddressLength
    }

    /// `sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL`, `write() = 517`.
    package var summary: String {
        var arguments: [String] = []
        if fastOpen { arguments.append("MSG_FASTOPEN") }
        if let addressLength { arguments.append("addrlen \(addressLength)") }
        let outcome = result < 0 ? "-1 \(errnoName ?? errno.map { "errno \($0)" } ?? "")" : "\(result)"
        return "\(call)(\(arguments.joined(separator: ", "))) = \(outcome)"
    }
}
