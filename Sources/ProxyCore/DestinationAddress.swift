#if canImport(Glibc)
import Glibc
#endif

/// The destination `sockaddr` a proxy's origin connection holds while a
/// fast-open BIO points at it; allocated with `malloc`, freed exactly once.
///
/// The BIO stores only a raw pointer to these bytes, which is what makes the
/// legacy design dangerous on OpenSSL 3.2+: the socket BIO's destroy frees
/// whatever its data pointer holds.
final class DestinationAddress {
    let pointer: UnsafeMutableRawPointer

    init(_ address: SocketAddress) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<sockaddr_storage>.size,
                                                   alignment: MemoryLayout<sockaddr_storage>.alignment)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<sockaddr_storage>.size)
        address.copy(to: pointer)
    }

    deinit {
        pointer.deallocate()
    }
}
