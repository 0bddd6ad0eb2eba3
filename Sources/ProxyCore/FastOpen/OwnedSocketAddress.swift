#if canImport(Glibc)
import Glibc
#endif

/// A `sockaddr` copied into memory of its own, freed exactly once when the
/// connection that keeps it goes.
package final class OwnedSocketAddress {
    package let pointer: UnsafeMutableRawPointer

    package init(_ address: SocketAddress) {
        pointer = .allocate(byteCount: MemoryLayout<sockaddr_storage>.size, alignment: MemoryLayout<sockaddr_storage>.alignment)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<sockaddr_storage>.size)
        address.copy(to: pointer)
    }

    deinit {
        pointer.deallocate()
    }

    /// The length a fast-open BIO computes from the address it holds, as ATS's `ats_ip_size`
    /// does: by family, 0 for anything else (OpenSSL's zeroed struct, say).
    package static func length(of address: UnsafeRawPointer) -> socklen_t {
        switch Int32(address.load(as: sa_family_t.self)) {
        case AF_INET: socklen_t(MemoryLayout<sockaddr_in>.size)
        case AF_INET6: socklen_t(MemoryLayout<sockaddr_in6>.size)
        default: 0
        }
    }
}
