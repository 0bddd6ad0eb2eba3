internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

/// Owns an `SSL` over a `Socket`; frees the `SSL` exactly once, before the socket closes.
///
/// All I/O is non-blocking and bounded by a `Deadline`. A proxy reaches it through
/// `OriginConnection`; the loopback servers and the matrix use it directly.
package final class TLSConnection {
    package let ssl: OpaquePointer
    package let socket: Socket
    /// Objects a BIO callback points at without a reference: alive until after `SSL_free`.
    private var dependencies: [AnyObject] = []

    /// A connection whose SSL reads and writes the socket through OpenSSL's own socket BIO (`SSL_set_fd`).
    package convenience init(context: TLSContext, socket: Socket) throws(OpenSSLError) {
        try self.init(unattached: context, socket: socket)
        try attachSocketFD()
    }

    /// A connection with no BIO yet; the caller attaches one.
    /// A client's: the handshake connects (`SSL_set_connect_state`). The loopback servers
    /// turn theirs around (`TLSConnection.accepting`, in Loopback): ProxyCore has no server side.
    package init(unattached context: TLSContext, socket: Socket) throws(OpenSSLError) {
        guard let ssl = SSL_new(context.pointer) else { throw OpenSSLError("SSL_new") }
        self.ssl = ssl
        self.socket = socket
        SSL_set_connect_state(ssl)
    }

    deinit {
        SSL_free(ssl)
    }

    func attachSocketFD() throws(OpenSSLError) {
        guard SSL_set_fd(ssl, socket.fileDescriptor) == 1 else { throw OpenSSLError("SSL_set_fd") }
    }

    package func attach(_ bio: BIOHandle) {
        // One BIO for both directions: SSL_set_bio takes over the single reference it is given.
        let pointer = bio.transfer()
        SSL_set_bio(ssl, pointer, pointer)
    }

    package func keepAlive(_ object: AnyObject) {
        dependencies.append(object)
    }

    /// Requires the peer's certificate to name `identity`.
    package func expect(_ identity: PeerIdentity) throws(OpenSSLError) {
        switch identity {
        case .dnsName(let name):
            guard proxycore_SSL_set1_dnsname(ssl, name) == 1 else { throw OpenSSLError("SSL_set1_host") }
            guard proxycore_SSL_set_tlsext_host_name(ssl, name) == 1 else { throw OpenSSLError("SSL_set_tlsext_host_name") }
        case .ipAddress(let address):
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address) == 1 else {
                throw OpenSSLError("X509_VERIFY_PARAM_set1_ip_asc")
            }
        }
    }

    package func handshake(until deadline: Deadline) throws(TLSError) {
        _ = try drive("handshake", until: deadline) { ssl in
            SSL_do_handshake(ssl)
        }
    }

    /// Writes all of `bytes`.
    package func write(_ bytes: [UInt8], until deadline: Deadline) throws(TLSError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Result { () throws(TLSError) in
                    try drive("write", until: deadline) { ssl in
                        SSL_write(ssl, raw.baseAddress! + offset, Int32(clamping: raw.count - offset))
                    }
                }
            }
            offset += Int(try written.get())
        }
    }

    /// Reads at most `maximum` bytes: at least one, or throws.
    package func read(maximum: Int, until deadline: Deadline) throws(TLSError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(TLSError) in try read(into: raw, until: deadline) }
        }
        return Array(buffer.prefix(try count.get()))
    }

    /// Reads into `buffer` without allocating: at least one byte, or throws. Returns the count.
    package func read(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws(TLSError) -> Int {
        Int(try drive("read", until: deadline) { ssl in
            SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        })
    }

    /// Reads up to and including the first `\n`; the exchange the probes use.
    package func readLine(maximum: Int = 4096, until deadline: Deadline) throws(TLSError) -> [UInt8] {
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) && line.count < maximum {
            line += try read(maximum: maximum - line.count, until: deadline)
        }
        return line
    }

    /// Sends close_notify, waiting until `deadline` for the socket to take it; with
    /// `waitForPeer`, also reads until the peer's close_notify. After it no more is written.
    package func shutdown(until deadline: Deadline, waitForPeer: Bool) throws(TLSError) {
        // SSL_shutdown: 0 once ours is sent, 1 once the peer's has arrived too.
        let sent = try drive("shutdown", until: deadline, acceptingZero: true) { ssl in SSL_shutdown(ssl) }
        guard waitForPeer, sent == 0 else { return }
        _ = try drive("shutdown", until: deadline) { ssl in SSL_shutdown(ssl) }
    }

    /// Closes the socket now, without a close_notify; the `SSL` is freed with this owner.
    /// Every call after it fails with `TLSError.Kind.closed`. Closing twice is harmless.
    package func close() {
        socket.close()
    }

    /// Sends close_notify once; a peer that is gone already is no error here.
    package func shutdown() {
        guard !socket.isClosed else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// `TLSv1.3`, `TLSv1.2`.
    package var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    package var cipher: String? {
        guard let cipher = SSL_get_current_cipher(ssl), let name = SSL_CIPHER_get_name(cipher) else { return nil }
        return String(cString: name)
    }

    /// Calls `operation` until it succeeds, polling the socket for what OpenSSL wants.
    private func drive(_ name: String, until deadline: Deadline, acceptingZero: Bool = false,
                       _ operation: (OpaquePointer) -> Int32) throws(TLSError) -> Int32 {
        // A closed socket's descriptor may already belong to someone else: never touched again.
        guard !socket.isClosed else { throw TLSError(operation: name, kind: .closed) }
        while true {
            ERR_clear_error()
            let result = operation(ssl)
            if result > 0 || (acceptingZero && result == 0) { return result }
            let savedErrno = errno
            let code = SSL_get_error(ssl, result)
            let readiness: Socket.Readiness
            switch code {
            case SSL_ERROR_WANT_READ:
                readiness = .readable
            case SSL_ERROR_WANT_WRITE:
                readiness = .writable
            default:
                throw failure(name, code: code, errno: savedErrno)
            }
            do {
                try socket.wait(for: readiness, until: deadline, operation: name)
            } catch let error as SystemCallError {
                throw TLSError(operation: name, kind: .systemCall, errno: error.errno)
            } catch {
                throw TLSError(operation: name, kind: .deadline)
            }
        }
    }

    private func failure(_ name: String, code: Int32, errno savedErrno: Int32) -> TLSError {
        let errors = OpenSSLError.drainQueue()
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            return TLSError(operation: name, kind: .verification, sslErrorCode: code, openSSLErrors: errors,
                            verifyError: String(cString: X509_verify_cert_error_string(verify)))
        }
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return TLSError(operation: name, kind: .peerClosed, sslErrorCode: code, openSSLErrors: errors)
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            return TLSError(operation: name, kind: .systemCall, sslErrorCode: code, errno: savedErrno, openSSLErrors: errors)
        case SSL_ERROR_SYSCALL where errors.isEmpty:
            return TLSError(operation: name, kind: .peerClosed, sslErrorCode: code, openSSLErrors: errors)
        default:
            return TLSError(operation: name, kind: .protocolFailure, sslErrorCode: code, openSSLErrors: errors)
        }
    }
}
