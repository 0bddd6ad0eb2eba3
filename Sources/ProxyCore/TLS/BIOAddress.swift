internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

/// Owns a `BIO_ADDR`, OpenSSL's address type (what `BIO_connect` and the
/// socket BIO's `BIO_set_conn_address` take); frees it exactly once.
package final class BIOAddress {
    package let pointer: OpaquePointer

    package init(_ address: SocketAddress) throws(OpenSSLError) {
        guard let pointer = BIO_ADDR_new() else { throw OpenSSLError("BIO_ADDR_new") }
        self.pointer = pointer
        let made: Int32 = address.withSockaddr { sockaddr, _ in
            switch address.family {
            case .ipv4:
                return sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafePointer(to: sin.pointee.sin_addr) {
                        BIO_ADDR_rawmake(pointer, AF_INET, $0, MemoryLayout<in_addr>.size, sin.pointee.sin_port)
                    }
                }
            case .ipv6:
                return sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    withUnsafePointer(to: sin6.pointee.sin6_addr) {
                        BIO_ADDR_rawmake(pointer, AF_INET6, $0, MemoryLayout<in6_addr>.size, sin6.pointee.sin6_port)
                    }
                }
            }
        }
        guard made == 1 else { throw OpenSSLError("BIO_ADDR_rawmake") }
    }

    deinit {
        BIO_ADDR_free(pointer)
    }
}
