import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// The fast-open BIO as proxies built it: a socket BIO whose first write is
/// `sendto(…, MSG_FASTOPEN, destination, length)`, so the TLS ClientHello can
/// ride in the SYN.
///
/// Its create, destroy and ctrl are borrowed from `BIO_s_socket()`; only read,
/// write and the "set connect address" ctrl are its own. That borrowing is why
/// OpenSSL 3.2 broke it: the borrowed create now allocates a struct into the
/// data pointer. With `AddressStorage.bioData` this BIO reproduces the bug
/// faithfully; with `.exData` it is the upstream fix.
///
/// The destination address is not owned by the BIO: the caller keeps it alive
/// until the first write has happened, as a proxy's connection object does.
enum FastOpenBIO {
    /// Per-BIO state the callbacks reach through ex_data: the storage policy and the write observer.
    final class State {
        let storage: AddressStorage
        let observer: WriteObserver

        init(storage: AddressStorage, observer: WriteObserver) {
            self.storage = storage
            self.observer = observer
        }
    }

    /// The `BIO_METHOD`, built once per process and never freed (as OpenSSL's own methods).
    final class Method: @unchecked Sendable {
        let pointer: OpaquePointer
        let borrowedCtrl: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int

        init() {
            let socketMethod = BIO_s_socket()
            guard let method = BIO_meth_new(tlsprobe_BIO_TYPE_SOCKET, "tlsprobe fast open"),
                  let create = BIO_meth_get_create(socketMethod),
                  let destroy = BIO_meth_get_destroy(socketMethod),
                  let ctrl = BIO_meth_get_ctrl(socketMethod) else {
                fatalError("OpenSSL could not build the fast-open BIO_METHOD: \(OpenSSLError.drainQueue())")
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
    static let stateIndex = tlsprobe_BIO_get_ex_new_index()
    static let destinationIndex = tlsprobe_BIO_get_ex_new_index()

    /// Builds the method and claims the ex_data indices now rather than on first use.
    static func prepare() {
        _ = method
        _ = stateIndex
        _ = destinationIndex
    }

    /// A new BIO on `fileDescriptor` (not closed by the BIO). `state` must outlive it.
    static func make(fileDescriptor: Int32, state: State) throws(OpenSSLError) -> BIOHandle {
        guard stateIndex >= 0, destinationIndex >= 0 else { throw OpenSSLError("BIO_get_ex_new_index") }
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

    /// The length the legacy design computes from the address it holds: by family, 0 for anything else.
    static func addressLength(of address: UnsafeRawPointer) -> socklen_t {
        switch Int32(address.load(as: sa_family_t.self)) {
        case AF_INET: socklen_t(MemoryLayout<sockaddr_in>.size)
        case AF_INET6: socklen_t(MemoryLayout<sockaddr_in6>.size)
        default: 0
        }
    }
}

/// Catches `BIO_set_conn_address` (BIO_C_SET_CONNECT, larg 2) and keeps the
/// address where the state's policy says; every other ctrl goes to the socket BIO's.
private func fastOpenCtrl(bio: OpaquePointer?, command: Int32, larg: Int, parg: UnsafeMutableRawPointer?) -> Int {
    guard let bio else { return 0 }
    if command == BIO_C_SET_CONNECT && larg == 2, let state = FastOpenBIO.state(of: bio) {
        switch state.storage {
        case .bioData:
            BIO_set_data(bio, parg)
        case .exData:
            guard BIO_set_ex_data(bio, FastOpenBIO.destinationIndex, parg) == 1 else { return 0 }
        }
        return 1
    }
    return FastOpenBIO.method.borrowedCtrl(bio, command, larg, parg)
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
    let destination: UnsafeMutableRawPointer? = switch state.storage {
    case .bioData: BIO_get_data(bio)
    case .exData: BIO_get_ex_data(bio, FastOpenBIO.destinationIndex)
    }

    let result: Int
    let savedErrno: Int32
    if let destination {
        let addressLength = FastOpenBIO.addressLength(of: destination)
        result = sendto(fd, buffer, Int(length), Int32(MSG_FASTOPEN),
                        destination.assumingMemoryBound(to: sockaddr.self), addressLength)
        savedErrno = errno
        switch state.storage {
        case .bioData: BIO_set_data(bio, nil)
        case .exData: BIO_set_ex_data(bio, FastOpenBIO.destinationIndex, nil)
        }
        state.observer.record(syscall: "sendto", flags: ["MSG_FASTOPEN"], addressLength: Int(addressLength),
                              result: result, errno: savedErrno, observedBy: "fast-open BIO")
    } else {
        result = Glibc.write(fd, buffer, Int(length))
        savedErrno = errno
        state.observer.record(syscall: "write", flags: [], addressLength: nil,
                              result: result, errno: savedErrno, observedBy: "fast-open BIO")
    }

    if result < 0 && BIO_sock_non_fatal_error(savedErrno) != 0 {
        tlsprobe_BIO_set_retry_write(bio)
    }
    errno = savedErrno
    return result < 0 ? -1 : Int32(result)
}

private func fastOpenRead(bio: OpaquePointer?, buffer: UnsafeMutablePointer<CChar>?, length: Int32) -> Int32 {
    guard let bio, let buffer, length >= 0 else { return -1 }
    tlsprobe_BIO_clear_retry_flags(bio)
    let result = Glibc.read(tlsprobe_BIO_get_fd(bio), buffer, Int(length))
    let savedErrno = errno
    if result < 0 && BIO_sock_non_fatal_error(savedErrno) != 0 {
        tlsprobe_BIO_set_retry_read(bio)
    }
    errno = savedErrno
    return result < 0 ? -1 : Int32(result)
}
