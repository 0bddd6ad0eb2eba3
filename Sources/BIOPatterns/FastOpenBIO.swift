import COpenSSL
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// The fast-open BIO as proxies built it: a socket BIO whose first write is
/// `sendto(…, MSG_FASTOPEN, destination, length)`, so the TLS ClientHello can
/// ride in the SYN.
///
/// Its create, destroy and ctrl are borrowed from `BIO_s_socket()`; only read,
/// write and the "set connect address" ctrl are its own. That borrowing is why
/// OpenSSL 3.2 broke the designs that kept the destination in the data pointer:
/// the borrowed create now allocates a struct there. This BIO keeps it where
/// its `DestinationSlot` says: the data pointer (`BIODataSlot`, the legacy design
/// reproduced) or BIO ex_data (`ExDataSlot`, upstream ATS's fix, `exdata-fastopen`).
///
/// It lives here, not in ProxyCore, because borrowing those methods takes
/// `BIO_meth_get_*`, which OpenSSL 3.5 deprecated: ProxyCore compiles without
/// any deprecated declaration, and its policy never needed this BIO.
///
/// The destination address is not owned by the BIO: the connection keeps it
/// alive until after `SSL_free`, as a proxy's connection object does.
package enum FastOpenBIO {
    /// Per-BIO state the callbacks reach through ex_data: the destination's slot and the write observer.
    final class State {
        let slot: any DestinationSlot
        let observer: WriteObserver

        init(slot: any DestinationSlot, observer: WriteObserver) {
            self.slot = slot
            self.observer = observer
        }
    }

    /// The `BIO_METHOD`, built once per process and never freed (as OpenSSL's own methods).
    final class Method: @unchecked Sendable {
        let pointer: OpaquePointer
        let borrowedCtrl: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int

        /// `nil` when OpenSSL could not make it: every connection over it then fails with an `OpenSSLError`.
        init?() {
            // The borrowing OpenSSL 3.5 deprecated; the shim says why it is done here.
            let socket = tlsprobe_borrow_socket_hooks()
            guard let method = BIO_meth_new(tlsprobe_BIO_TYPE_SOCKET, "tlsprobe fast open"),
                  let create = socket.create, let destroy = socket.destroy, let ctrl = socket.ctrl else {
                return nil
            }
            BIO_meth_set_create(method, create)
            BIO_meth_set_destroy(method, destroy)
            BIO_meth_set_ctrl(method, fastOpenCtrl)
            BIO_meth_set_write(method, fastOpenWrite)
            BIO_meth_set_read(method, fastOpenRead)
            pointer = method
            borrowedCtrl = ctrl
        }
    }

    static let method = Method()
    private static let methodErrors = method == nil ? OpenSSLError.drainQueue() : []
    static let stateIndex = tlsprobe_BIO_get_ex_new_index()

    /// Builds the method and claims the ex_data indices now rather than on first use.
    static func prepare() {
        _ = methodErrors
        _ = stateIndex
        _ = ExDataSlot.shared
    }

    /// A TLS connection over a new fast-open BIO, set up as proxies with such a
    /// BIO do: `connect()` only when TFO is off, `BIO_set_conn_address` (the
    /// destination, into `slot`) only when it is on.
    package static func connection(_ request: ConnectionRequest, slot: any DestinationSlot,
                                   destination: any FastOpenDestination) throws -> TLSConnection {
        let (tls, bio) = try unattached(request, slot: slot)
        if request.tfo { try setConnectAddress(destination, of: bio, keptBy: tls) }
        tls.attach(bio)
        return tls
    }

    /// The first half of `connection`: `connect()` when TFO is off, a TLS connection and a
    /// new fast-open BIO on its socket, not yet attached and given no destination. The
    /// seam lets tlsprobe reproduce designs that call `BIO_set_conn_address` differently.
    package static func unattached(_ request: ConnectionRequest,
                                   slot: any DestinationSlot) throws -> (tls: TLSConnection, bio: BIOHandle) {
        if !request.tfo { try request.socket.connect(to: request.address, deadline: request.deadline) }
        let tls = try TLSConnection(unattached: request.context, socket: request.socket)
        let state = State(slot: slot, observer: request.observer)
        tls.keepAlive(state)
        return (tls, try make(fileDescriptor: request.socket.fileDescriptor, state: state))
    }

    /// `BIO_set_conn_address(bio, destination)`, with NULL for `nil`; `tls` keeps the
    /// destination alive until after `SSL_free`.
    package static func setConnectAddress(_ destination: (any FastOpenDestination)?, of bio: BIOHandle,
                                          keptBy tls: TLSConnection) throws(OpenSSLError) {
        if let destination { tls.keepAlive(destination) }
        guard tlsprobe_BIO_set_conn_address(bio.pointer, destination?.pointer) == 1 else {
            throw OpenSSLError("BIO_set_conn_address")
        }
    }

    /// A new BIO on `fileDescriptor` (not closed by the BIO). `state` must outlive it.
    static func make(fileDescriptor: Int32, state: State) throws(OpenSSLError) -> BIOHandle {
        guard stateIndex >= 0 else { throw OpenSSLError("BIO_get_ex_new_index") }
        guard let method else { throw OpenSSLError("BIO_meth_new(fast open)", errorStrings: methodErrors) }
        guard let bio = BIO_new(method.pointer) else { throw OpenSSLError("BIO_new(fast open)") }
        let handle = BIOHandle(taking: bio)
        guard BIO_set_ex_data(bio, stateIndex, Unmanaged.passUnretained(state).toOpaque()) == 1 else {
            throw OpenSSLError("BIO_set_ex_data")
        }
        guard tlsprobe_BIO_set_fd(bio, fileDescriptor, BIO_NOCLOSE) == 1 else { throw OpenSSLError("BIO_set_fd") }
        return handle
    }

    static func state(of bio: OpaquePointer) -> State? {
        guard let raw = BIO_get_ex_data(bio, stateIndex) else { return nil }
        return Unmanaged<State>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The length a fast-open BIO computes from the address it holds, as ATS's `ats_ip_size`
    /// does: by family, 0 for anything else (OpenSSL's zeroed struct, say).
    package static func addressLength(of address: UnsafeRawPointer) -> socklen_t {
        OwnedSocketAddress.length(of: address)
    }
}

/// Catches `BIO_set_conn_address` (BIO_C_SET_CONNECT, larg 2) and keeps the
/// address in the state's slot; every other ctrl goes to the socket BIO's.
private func fastOpenCtrl(bio: OpaquePointer?, command: Int32, larg: Int, parg: UnsafeMutableRawPointer?) -> Int {
    guard let bio else { return 0 }
    if command == BIO_C_SET_CONNECT && larg == 2, let state = FastOpenBIO.state(of: bio) {
        return state.slot.store(parg, in: bio) ? 1 : 0
    }
    // A BIO of this method exists only if the method does.
    return FastOpenBIO.method?.borrowedCtrl(bio, command, larg, parg) ?? 0
}

/// The first write with a destination pending is `sendto(MSG_FASTOPEN)`; every
/// other write is `write()`. The pending destination is cleared after use.
private func fastOpenWrite(bio: OpaquePointer?, buffer: UnsafePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    tlsprobe_BIO_clear_retry_flags(bio)
    guard let state = FastOpenBIO.state(of: bio) else {
        errno = EBADF
        return -1
    }
    let fd = tlsprobe_BIO_get_fd(bio)
    let destination = state.slot.load(from: bio)

    let result: Int
    let savedErrno: Int32
    if let destination {
        let addressLength = FastOpenBIO.addressLength(of: destination)
        result = sendto(fd, buffer, Int(length), Int32(MSG_FASTOPEN),
                        destination.assumingMemoryBound(to: sockaddr.self), addressLength)
        savedErrno = errno
        _ = state.slot.store(nil, in: bio)
        state.observer.record(syscall: .sendto, flags: ["MSG_FASTOPEN"], addressLength: Int(addressLength),
                              result: result, errno: savedErrno, observedBy: .fastOpenBIO)
    } else {
        result = Glibc.write(fd, buffer, Int(length))
        savedErrno = errno
        state.observer.record(syscall: .write, flags: [], addressLength: nil,
                              result: result, errno: savedErrno, observedBy: .fastOpenBIO)
    }

    return SocketCallResult.finish(result, errno: savedErrno, bio: bio, .write)
}

private func fastOpenRead(bio: OpaquePointer?, buffer: UnsafeMutablePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    tlsprobe_BIO_clear_retry_flags(bio)
    let result = Glibc.read(tlsprobe_BIO_get_fd(bio), buffer, Int(length))
    let savedErrno = errno
    return SocketCallResult.finish(result, errno: savedErrno, bio: bio, .read)
}
