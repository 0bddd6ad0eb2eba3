internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

/// The fast-open BIO without borrowing anything: a *filter* BIO of our own,
/// pushed on top of OpenSSL's own socket BIO.
///
/// The legacy design and its ex_data fix both copy the socket BIO's create,
/// ctrl and destroy (`BIO_meth_get_*`, deprecated in OpenSSL 3.5 as unsafe),
/// and so share a BIO with whatever those methods keep in it. Here the only
/// BIO whose data pointer we touch is the filter, which we created: its data
/// pointer holds our `State`. The socket BIO below is OpenSSL's, set up with
/// OpenSSL's own calls, and its data pointer is never read or written.
///
/// The filter's first write with a pending destination is
/// `sendto(fd, …, MSG_FASTOPEN, destination, length)` on the socket BIO's
/// descriptor, so the ClientHello can ride in the SYN; every other read, write
/// and ctrl goes to the socket BIO, with its retry flags copied up.
///
/// Ownership: the filter owns its `State` (retained in its data pointer,
/// released by its destroy); whoever owns the top of the chain (a `BIOHandle`,
/// then the `SSL`) frees both BIOs with `BIO_free_all`. The destination address
/// is kept alive by the connection until after `SSL_free`, as a proxy's connection object does.
enum FilterFastOpenBIO {
    /// What the filter's callbacks need: where to record the first write, and the
    /// destination given with `BIO_set_conn_address` until the first write uses it.
    final class State {
        let observer: WriteObserver
        var destination: UnsafeMutableRawPointer?

        init(observer: WriteObserver) {
            self.observer = observer
        }
    }

    /// The filter's `BIO_METHOD`: built once per process and never freed (as OpenSSL's own methods).
    final class Method: @unchecked Sendable {
        let pointer: OpaquePointer
        /// The filter's BIO type, to tell our filters from any other BIO.
        let type: Int32

        /// `nil` when OpenSSL could not make it (out of type indices or memory): then every
        /// `filter-fastopen` connection fails with an `OpenSSLError`, and nothing stops the process.
        init?() {
            // A type index of our own, marked as a filter: BIO_find_type(…, BIO_TYPE_DESCRIPTOR),
            // which SSL_get_fd uses, then walks past it to the socket BIO below.
            let index = BIO_get_new_index()
            guard index > 0, let method = BIO_meth_new(index | proxycore_BIO_TYPE_FILTER, "tlsprobe fast-open filter") else {
                return nil
            }
            BIO_meth_set_create(method, filterCreate)
            BIO_meth_set_destroy(method, filterDestroy)
            BIO_meth_set_ctrl(method, filterCtrl)
            BIO_meth_set_callback_ctrl(method, filterCallbackCtrl)
            BIO_meth_set_write(method, filterWrite)
            BIO_meth_set_read(method, filterRead)
            pointer = method
            type = index | proxycore_BIO_TYPE_FILTER
        }
    }

    static let method = Method()
    /// The error queue when `method` could not be made, for every connection that needed it.
    private static let methodErrors = method == nil ? OpenSSLError.drainQueue() : []

    static func requireMethod() throws(OpenSSLError) -> Method {
        guard let method else { throw OpenSSLError("BIO_meth_new(fast-open filter)", errorStrings: methodErrors) }
        return method
    }

    /// Builds the method now rather than on the first connection.
    static func prepare() {
        _ = methodErrors
    }

    /// A TLS connection over the filter and a socket BIO, set up as the fast-open BIO designs do:
    /// `connect()` only when TFO is off, `BIO_set_conn_address` only when it is on.
    static func connection(_ request: ConnectionRequest) throws -> TLSConnection {
        if !request.tfo { try request.socket.connect(to: request.address, deadline: request.deadline) }
        let tls = try TLSConnection(unattached: request.context, socket: request.socket)
        let chain = try make(fileDescriptor: request.socket.fileDescriptor, observer: request.observer)
        if request.tfo {
            let destination = OwnedSocketAddress(request.address)
            tls.keepAlive(destination)
            guard proxycore_BIO_set_conn_address(chain.pointer, destination.pointer) == 1 else {
                throw OpenSSLError("BIO_set_conn_address")
            }
        }
        tls.attach(chain)
        return tls
    }

    /// The filter over a new socket BIO on `fileDescriptor` (not closed by the BIO): the
    /// handle owns the whole chain.
    static func make(fileDescriptor: Int32, observer: WriteObserver) throws(OpenSSLError) -> BIOHandle {
        guard let socketBIO = BIO_new(BIO_s_socket()) else { throw OpenSSLError("BIO_new(BIO_s_socket)") }
        let below = BIOHandle(taking: socketBIO)
        guard proxycore_BIO_set_fd(socketBIO, fileDescriptor, BIO_NOCLOSE) == 1 else { throw OpenSSLError("BIO_set_fd") }
        guard let filter = BIO_new(try requireMethod().pointer) else { throw OpenSSLError("BIO_new(fast-open filter)") }
        let chain = BIOHandle(taking: filter)
        // From here the filter owns its state: its destroy releases it.
        BIO_set_data(filter, Unmanaged.passRetained(State(observer: observer)).toOpaque())
        // BIO_push cannot fail with both BIOs present; the chain's owner now frees the socket BIO too.
        _ = BIO_push(filter, below.transfer())
        return chain
    }

    /// The state of one of our filters; `nil` for any other BIO or a filter being destroyed.
    static func state(of bio: OpaquePointer) -> State? {
        guard let method, BIO_method_type(bio) == method.type, let raw = BIO_get_data(bio) else { return nil }
        return Unmanaged<State>.fromOpaque(raw).takeUnretainedValue()
    }
}

private func filterCreate(bio: OpaquePointer?) -> Int32 {
    guard let bio else { return 0 }
    BIO_set_data(bio, nil)
    BIO_set_init(bio, 1)
    return 1
}

/// Releases the state the filter owns; the BIO below is freed by `BIO_free_all`, not here.
private func filterDestroy(bio: OpaquePointer?) -> Int32 {
    guard let bio else { return 0 }
    if let raw = BIO_get_data(bio) {
        BIO_set_data(bio, nil)
        Unmanaged<FilterFastOpenBIO.State>.fromOpaque(raw).release()
    }
    BIO_set_init(bio, 0)
    return 1
}

/// Keeps `BIO_set_conn_address`'s destination (BIO_C_SET_CONNECT, larg 2) in the
/// filter's own state; every other ctrl is the socket BIO's.
private func filterCtrl(bio: OpaquePointer?, command: Int32, larg: Int, parg: UnsafeMutableRawPointer?) -> Int {
    guard let bio else { return 0 }
    if command == BIO_C_SET_CONNECT && larg == 2 {
        guard let state = FilterFastOpenBIO.state(of: bio) else { return 0 }
        state.destination = parg
        return 1
    }
    guard let next = BIO_next(bio) else { return 0 }
    switch command {
    case BIO_CTRL_FLUSH, BIO_C_DO_STATE_MACHINE:
        // These can ask to be retried: the caller asks the filter, so the filter must say so.
        proxycore_BIO_clear_retry_flags(bio)
        let result = BIO_ctrl(next, command, larg, parg)
        BIO_copy_next_retry(bio)
        return result
    default:
        return BIO_ctrl(next, command, larg, parg)
    }
}

private func filterCallbackCtrl(bio: OpaquePointer?, command: Int32,
                                callback: (@convention(c) (OpaquePointer?, Int32, Int32) -> Int32)?) -> Int {
    guard let bio, let next = BIO_next(bio) else { return 0 }
    return BIO_callback_ctrl(next, command, callback)
}

/// The first write with a destination pending is `sendto(MSG_FASTOPEN)` on the socket
/// BIO's descriptor; every other write is the socket BIO's own.
private func filterWrite(bio: OpaquePointer?, buffer: UnsafePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    proxycore_BIO_clear_retry_flags(bio)
    guard let state = FilterFastOpenBIO.state(of: bio), let next = BIO_next(bio) else {
        errno = EBADF
        return -1
    }

    guard let destination = state.destination else {
        let result = BIO_write(next, buffer, length)
        let savedErrno = errno
        BIO_copy_next_retry(bio)
        state.observer.record(syscall: .write, flags: [], addressLength: nil, result: result < 0 ? -1 : Int(result),
                              errno: savedErrno, observedBy: .fastOpenFilterBIO)
        errno = savedErrno
        return result
    }

    let fd = proxycore_BIO_get_fd(next)
    guard fd >= 0 else {
        errno = EBADF
        return -1
    }
    // One attempt only, whatever it returns: a retried write goes to the socket BIO.
    state.destination = nil
    let addressLength = OwnedSocketAddress.length(of: destination)
    let result = sendto(fd, buffer, Int(length), Int32(MSG_FASTOPEN), destination.assumingMemoryBound(to: sockaddr.self),
                        addressLength)
    let savedErrno = errno
    state.observer.record(syscall: .sendto, flags: ["MSG_FASTOPEN"], addressLength: Int(addressLength),
                          result: result, errno: savedErrno, observedBy: .fastOpenFilterBIO)
    return SocketCallResult.finish(result, errno: savedErrno, bio: bio, .write)
}

private func filterRead(bio: OpaquePointer?, buffer: UnsafeMutablePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    proxycore_BIO_clear_retry_flags(bio)
    guard let next = BIO_next(bio) else {
        errno = EBADF
        return -1
    }
    let result = BIO_read(next, buffer, length)
    let savedErrno = errno
    BIO_copy_next_retry(bio)
    errno = savedErrno
    return result
}
