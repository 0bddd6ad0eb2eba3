internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

extension OriginConnector {
    /// The correct ways of opening an origin connection, named as tlsprobe's matrix names them.
    /// None of them stores anything in the data pointer of a BIO it did not create, and
    /// none needs a deprecated OpenSSL call. (Upstream ATS's fix, the fast-open BIO with
    /// its destination in ex_data, borrows the socket BIO's methods with `BIO_meth_get_*`,
    /// deprecated in OpenSSL 3.5: tlsprobe keeps it to compare with, outside ProxyCore.)
    public enum Strategy: String, Sendable, Codable, CaseIterable, ConnectionRecipe {
        /// `connect()`, then `SSL_set_fd`.
        case fd
        /// The fast-open behaviour as a filter BIO of our own over OpenSSL's socket BIO:
        /// the fix without `BIO_meth_get_*` (deprecated in OpenSSL 3.5).
        case filterFastOpen = "filter-fastopen"
        /// `BIO_connect(…, BIO_SOCK_TFO)` when TFO is on (OpenSSL 3.2+), then `SSL_set_fd`.
        case nativeTFO = "native-tfo"
        /// `TCP_FASTOPEN_CONNECT` when TFO is on, `connect()`, `SSL_set_fd`.
        case fastOpenConnect = "fastopen-connect"

        package var name: String { rawValue }

        package var bioHoldsApplicationMemory: Bool {
            switch self {
            // The destination, in the filter BIO's own data, until the first write.
            case .filterFastOpen: true
            // OpenSSL's socket BIO on a descriptor: it holds nothing of the application's.
            case .fd, .nativeTFO, .fastOpenConnect: false
            }
        }

        package func open(_ request: ConnectionRequest) throws -> TLSConnection {
            let socket = request.socket
            switch self {
            case .fd:
                try socket.connect(to: request.address, deadline: request.deadline)
                return try request.socketBIOConnection()

            case .filterFastOpen:
                return try FilterFastOpenBIO.connection(request)

            case .nativeTFO:
                if request.tfo && !request.runtime.nativeTFO {
                    throw Unsupported("BIO_connect of OpenSSL \(request.runtime.runtimeVersion) ignores BIO_SOCK_TFO (it set no TCP_FASTOPEN_CONNECT on a socket; OpenSSL 3.2 added TFO)")
                }
                let peer = try BIOAddress(request.address)
                let options = BIO_SOCK_NONBLOCK | (request.tfo ? proxycore_BIO_SOCK_TFO : 0)
                if BIO_connect(socket.fileDescriptor, peer.pointer, options) != 1 {
                    let code = errno
                    guard code == EINPROGRESS else {
                        throw SystemCallError("BIO_connect", errno: code, openSSLErrors: OpenSSLError.drainQueue())
                    }
                    try socket.finishConnect(deadline: request.deadline)
                }
                return try request.socketBIOConnection()

            case .fastOpenConnect:
                if request.tfo {
                    do {
                        try socket.enableFastOpenConnect()
                    } catch {
                        request.notes.append("kernel refused TCP_FASTOPEN_CONNECT (\(error.errnoName)); fell back to a plain connect() without TFO")
                    }
                }
                try socket.connect(to: request.address, deadline: request.deadline)
                return try request.socketBIOConnection()
            }
        }
    }
}
