import COpenSSL
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL ≤ 16.1 design: a BIO made with `BIO_meth_new(BIO_TYPE_SOCKET, …)`
/// whose create, ctrl and destroy are the socket BIO's (`BIO_meth_get_*`) and
/// whose own read and write find the application's connection record, which
/// holds the descriptor far from its start (libpq's `PGconn.sock`), through
/// `BIO_get_data`.
///
/// Set up as PostgreSQL did: `BIO_new`, `BIO_set_data(bio, record)`,
/// `BIO_set_fd(bio, fd, BIO_NOCLOSE)`, `SSL_set_bio`; the record is freed by
/// the application after `SSL_free`. TFO plays no part: `connect()` always.
///
/// On OpenSSL 3.2+ the borrowed create has already put OpenSSL's struct in the
/// data pointer; `BIO_set_data` replaces it (leaked), the borrowed ctrl then
/// zeroes what it takes for its struct, the first 116 bytes of the application's
/// record (its host, user and other option pointers), at `BIO_set_fd`; the socket
/// lies beyond, so the handshake completes. The borrowed destroy then frees the
/// record, and the application's own free of it would be a double free. The
/// record is read back right after `BIO_set_fd`, and that check is the cell's
/// evidence; the worker's accounting counts the destroy's free and refuses it.
enum AppDataPointer {
    /// The `BIO_METHOD`, built once per process and never freed.
    final class Method: @unchecked Sendable {
        let pointer: OpaquePointer

        init() {
            let socket = tlsprobe_borrow_socket_hooks()
            guard let method = BIO_meth_new(tlsprobe_BIO_TYPE_SOCKET, "tlsprobe application record"),
                  let create = socket.create, let destroy = socket.destroy, let ctrl = socket.ctrl else {
                fatalError("OpenSSL could not build the application-record BIO_METHOD")
            }
            BIO_meth_set_create(method, create)
            BIO_meth_set_destroy(method, destroy)
            BIO_meth_set_ctrl(method, ctrl)
            BIO_meth_set_write(method, recordWrite)
            BIO_meth_set_read(method, recordRead)
            pointer = method
        }
    }

    static let method = Method()

    static func prepare() {
        _ = method
    }

    static func connection(_ request: ConnectionRequest) throws -> TLSConnection {
        try request.socket.connect(to: request.address, deadline: request.deadline)
        let tls = try TLSConnection(unattached: request.context, socket: request.socket)
        let record = ConnectionRecord(fileDescriptor: request.socket.fileDescriptor, observer: request.observer)
        // The application's record outlives the SSL: the connection frees it after SSL_free.
        tls.keepAlive(record)
        guard let bio = BIO_new(method.pointer) else { throw OpenSSLError("BIO_new(application record)") }
        let handle = BIOHandle(taking: bio)
        BIO_set_data(bio, record.pointer)
        guard tlsprobe_BIO_set_fd(bio, request.socket.fileDescriptor, BIO_NOCLOSE) == 1 else {
            throw OpenSSLError("BIO_set_fd")
        }
        let check = record.check(after: "BIO_set_fd")
        request.recordEvidence(check)
        // Attached first, so that whatever happens next the SSL frees the BIO before the record goes.
        tls.attach(handle)
        // Only the option fields written over: PostgreSQL went on, and so does the reproduction.
        guard check.socketUsable else { throw RecordOverwritten(check: check) }
        return tls
    }
}

private func recordWrite(bio: OpaquePointer?, buffer: UnsafePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    tlsprobe_BIO_clear_retry_flags(bio)
    guard let raw = BIO_get_data(bio), let (record, fd) = ConnectionRecord.resolve(raw) else {
        errno = EBADF
        return -1
    }
    let result = Glibc.write(fd, buffer, Int(length))
    let savedErrno = errno
    record.observer.record(syscall: .write, flags: [], addressLength: nil, result: result, errno: savedErrno,
                           observedBy: .applicationRecordBIO)
    return SocketCallResult.finish(result, errno: savedErrno, bio: bio, .write)
}

private func recordRead(bio: OpaquePointer?, buffer: UnsafeMutablePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    tlsprobe_BIO_clear_retry_flags(bio)
    guard let raw = BIO_get_data(bio), let (_, fd) = ConnectionRecord.resolve(raw) else {
        errno = EBADF
        return -1
    }
    let result = Glibc.read(fd, buffer, Int(length))
    let savedErrno = errno
    return SocketCallResult.finish(result, errno: savedErrno, bio: bio, .read)
}
