internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

/// The end of a BIO read or write callback that made its own system call: the
/// bytes moved, or -1 with the BIO's retry flag set when the errno is one
/// OpenSSL's socket BIO would retry on (`BIO_sock_non_fatal_error`: EAGAIN,
/// EINPROGRESS, …), and errno left as the call set it for libssl to read.
package enum SocketCallResult {
    package enum Direction: Sendable {
        case read, write
    }

    package static func finish(_ result: Int, errno savedErrno: Int32, bio: OpaquePointer, _ direction: Direction) -> Int32 {
        if result < 0 && BIO_sock_non_fatal_error(savedErrno) != 0 {
            switch direction {
            case .read: proxycore_BIO_set_retry_read(bio)
            case .write: proxycore_BIO_set_retry_write(bio)
            }
        }
        errno = savedErrno
        return result < 0 ? -1 : Int32(result)
    }
}
