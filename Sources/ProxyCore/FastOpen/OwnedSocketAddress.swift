#if canImport(Glibc)
import Glibc
#endif

/// A `sockaddr` copied into memory of its own, freed exactly once when the
/// connection that keeps it goes.
final class OwnedSocketAddress: FastOpenDestination {
    let pointer: UnsafeMutableRawPointer

    init(_ address: SocketAddress) {
        pointer = .allocate(byteCount: MemoryLayout<sockaddr_storage>.size, alignment: MemoryLayout<sockaddr_storage>.alignment)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<sockaddr_storage>.size)
        address.copy(to: pointer)
    }

    deinit {
        pointer.deallocate()
    }
}
