import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// The heap record a plug-in's `peer` pointer lies in, as a proxy's connection
/// object holds the origin's address: the address sits at an offset inside a
/// larger `malloc` block, so a library that frees `peer` frees a pointer `malloc`
/// never returned (which glibc aborts on without the worker's accounting). The
/// connection keeps it alive until after `SSL_free`, then it is freed once.
final class PeerRecord {
    /// Where the address starts: past a header, as in a real connection object.
    static let offset = 64
    private let block: UnsafeMutableRawPointer
    let length: socklen_t

    init(_ address: SocketAddress) {
        block = malloc(Self.offset + MemoryLayout<sockaddr_storage>.size)!
        memset(block, 0x5a, Self.offset)
        length = address.length
        address.withSockaddr { sockaddr, length in
            _ = memcpy(block + Self.offset, sockaddr, Int(length))
        }
    }

    var peer: UnsafePointer<sockaddr> {
        UnsafePointer((block + Self.offset).assumingMemoryBound(to: sockaddr.self))
    }

    deinit {
        free(block)
    }
}
