import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// The destination `sockaddr` as a proxy holds it: a member inside a larger
/// connection record, not an allocation of its own.
///
/// The record is a `malloc`'d block with the address at `offset`, so the
/// pointer a fast-open BIO is given is an interior pointer. That is what makes
/// the legacy design dangerous on OpenSSL 3.2+: when such a BIO is freed before
/// its first write, the socket BIO's destroy calls `OPENSSL_free` on it, which
/// no allocator can accept.
final class DestinationAddress: FastOpenDestination {
    /// Where the address sits inside the record, as behind a proxy's other connection fields.
    static let offset = 64
    static let recordSize = 256

    private let record: UnsafeMutableRawPointer
    /// The `sockaddr` itself (`record + offset`).
    let pointer: UnsafeMutableRawPointer

    init(_ address: SocketAddress) {
        guard let record = calloc(1, DestinationAddress.recordSize) else {
            fatalError("calloc(\(DestinationAddress.recordSize)) failed")
        }
        self.record = record
        self.pointer = record + DestinationAddress.offset
        address.copy(to: pointer)
    }

    deinit {
        free(record)
    }
}
