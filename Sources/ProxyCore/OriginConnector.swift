import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Opens verified outbound TLS connections to origins: the fix for the
/// OpenSSL 3.2 fast-open regression lives in `strategy(tfo:)`.
///
/// The policy never puts an address into the data pointer of a BIO whose
/// create came from the socket BIO:
/// - TFO off: `connect()` and `SSL_set_fd` (`fd`). No custom BIO, nothing to break.
/// - TFO on: `TCP_FASTOPEN_CONNECT` and `SSL_set_fd` (`fastopen-connect`) where
///   the kernel has that option, falling back to a plain `connect()` (and
///   saying so) when the namespace refuses client TFO; else OpenSSL 3.2+'s
///   `BIO_connect(…, BIO_SOCK_TFO)` (`native-tfo`); else the fast-open BIO
///   with the destination in ex_data (`exdata-fastopen`).
///
/// Every other strategy can be forced, so that they can be compared.
///
/// Like any user of OpenSSL's socket BIO, the process must ignore SIGPIPE:
/// the BIO writes with `write(2)`, and a peer that is gone raises the signal.
public struct OriginConnector: Sendable {
    /// The ways of opening an origin connection, named as tlsprobe's matrix names them.
    public enum Strategy: String, Sendable, Codable, CaseIterable {
        /// `connect()`, then `SSL_set_fd`.
        case fd
        /// The fast-open BIO with the destination in BIO data: the legacy design, broken on 3.2+.
        case legacyFastOpen = "legacy-fastopen"
        /// The fast-open BIO with the destination in BIO ex_data: the upstream fix.
        case exDataFastOpen = "exdata-fastopen"
        /// `BIO_connect(…, BIO_SOCK_TFO)` when TFO is on (OpenSSL 3.2+), then `SSL_set_fd`.
        case nativeTFO = "native-tfo"
        /// The migration trap: a plain socket BIO given `BIO_set_conn_address` instead of a `connect()`.
        case socketConnAddress = "socket-conn-address"
        /// `TCP_FASTOPEN_CONNECT` when TFO is on, `connect()`, `SSL_set_fd`.
        case fastOpenConnect = "fastopen-connect"
    }

    public let context: TLSContext
    public let runtime: OpenSSLRuntime
    public let kernel: KernelTFOSupport

    public init(context: TLSContext, runtime: OpenSSLRuntime = .current, kernel: KernelTFOSupport = .probe()) {
        self.context = context
        self.runtime = runtime
        self.kernel = kernel
        // The fast-open BIO's method and ex_data indices are process-wide and made
        // once; making them here keeps that one-time work out of the first connection.
        FastOpenBIO.prepare()
    }

    /// The fix: the strategy for an origin connection on this runtime and kernel.
    public func strategy(tfo: Bool) -> Strategy {
        guard tfo else { return .fd }
        switch kernel {
        case .available, .disabled: return .fastOpenConnect
        case .absent: return runtime.nativeTFO ? .nativeTFO : .exDataFastOpen
        }
    }

    /// Connects to `address`, completes a verified TLS handshake and returns the connection.
    ///
    /// - Parameter forcing: a strategy to use instead of the policy's choice.
    public func connect(to address: SocketAddress, identity: PeerIdentity, tfo: Bool, deadline: Deadline,
                        forcing forced: Strategy? = nil) throws(OriginConnectError) -> OriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline, forcing: forced).handshake(until: deadline)
    }

    /// Sets an origin connection up as `connect` does, short of the handshake:
    /// nothing is written yet (with TFO on, the socket is not even connected).
    public func prepare(to address: SocketAddress, identity: PeerIdentity, tfo: Bool, deadline: Deadline,
                        forcing forced: Strategy? = nil) throws(OriginConnectError) -> PendingOriginConnection {
        let strategy = forced ?? self.strategy(tfo: tfo)
        let observer = WriteObserver(expectedAddressLength: Int(address.length))
        var notes: [String] = []
        if forced == nil {
            notes.append(tfo ? "policy: TFO wanted, \(kernel); chose \(strategy.rawValue)"
                             : "policy: TFO not wanted; chose fd (SSL_set_fd)")
        }
        do {
            let tls = try open(strategy, to: address, tfo: tfo, deadline: deadline, observer: observer, notes: &notes)
            try tls.expect(identity)
            return PendingOriginConnection(tls: tls, observer: observer, strategy: strategy, chosenByPolicy: forced == nil, notes: notes)
        } catch {
            throw OriginConnectError(error, diagnostics: ConnectDiagnostics(
                strategy: strategy, chosenByPolicy: forced == nil, notes: notes, firstWrite: observer.firstWrite))
        }
    }

    private func open(_ strategy: Strategy, to address: SocketAddress, tfo: Bool, deadline: Deadline,
                      observer: WriteObserver, notes: inout [String]) throws -> TLSConnection {
        let socket = try Socket(family: address.family)
        switch strategy {
        case .fd:
            try socket.connect(to: address, deadline: deadline)
            return try socketBIOConnection(socket, observer: observer)

        case .legacyFastOpen:
            return try fastOpenConnection(socket, storage: .bioData, to: address, tfo: tfo, deadline: deadline, observer: observer)

        case .exDataFastOpen:
            return try fastOpenConnection(socket, storage: .exData, to: address, tfo: tfo, deadline: deadline, observer: observer)

        case .nativeTFO:
            if tfo && !runtime.nativeTFO {
                throw Unsupported("BIO_SOCK_TFO needs OpenSSL 3.2 or later; the loaded runtime is \(runtime.runtimeVersion)")
            }
            let peer = try BIOAddress(address)
            let options = BIO_SOCK_NONBLOCK | (tfo ? tlsprobe_BIO_SOCK_TFO : 0)
            if BIO_connect(socket.fileDescriptor, peer.pointer, options) != 1 {
                let code = errno
                guard code == EINPROGRESS else {
                    throw SystemCallFailure(operation: "BIO_connect", errno: code, openSSLErrors: OpenSSLError.drainQueue())
                }
                try socket.finishConnect(deadline: deadline)
            }
            return try socketBIOConnection(socket, observer: observer)

        case .socketConnAddress:
            if !tfo { try socket.connect(to: address, deadline: deadline) }
            let tls = try TLSConnection(unattached: context, socket: socket, role: .client)
            guard let bio = BIO_new(BIO_s_socket()) else { throw OpenSSLError("BIO_new(BIO_s_socket)") }
            let handle = BIOHandle(taking: bio)
            guard tlsprobe_BIO_set_fd(bio, socket.fileDescriptor, BIO_NOCLOSE) == 1 else { throw OpenSSLError("BIO_set_fd") }
            if tfo {
                let peer = try BIOAddress(address)
                tls.keepAlive(peer)
                guard tlsprobe_BIO_set_conn_address(bio, UnsafeRawPointer(peer.pointer)) == 1 else {
                    throw Unsupported("the socket BIO of OpenSSL \(runtime.runtimeVersion) refuses BIO_set_conn_address (it has no TFO peer before 3.2)")
                }
                notes.append("socket BIO accepted BIO_set_conn_address; the socket is not connected")
            }
            SocketBIOObserver.attach(observer, to: bio)
            tls.keepAlive(observer)
            tls.attach(handle)
            return tls

        case .fastOpenConnect:
            if tfo {
                do {
                    try socket.setOption(level: Int32(IPPROTO_TCP), name: KernelTFOSupport.tcpFastOpenConnect, value: 1,
                                         label: "TCP_FASTOPEN_CONNECT")
                } catch {
                    notes.append("kernel refused TCP_FASTOPEN_CONNECT (\(error.errnoName)); fell back to a plain connect() without TFO")
                }
            }
            try socket.connect(to: address, deadline: deadline)
            return try socketBIOConnection(socket, observer: observer)
        }
    }

    /// `SSL_set_fd`: OpenSSL's own socket BIO, watched by a callback.
    private func socketBIOConnection(_ socket: Socket, observer: WriteObserver) throws -> TLSConnection {
        let tls = try TLSConnection(context: context, socket: socket, role: .client)
        guard let bio = SSL_get_wbio(tls.ssl) else { throw OpenSSLError("SSL_get_wbio") }
        SocketBIOObserver.attach(observer, to: bio)
        tls.keepAlive(observer)
        return tls
    }

    /// The fast-open BIO, set up as the legacy design does: `connect()` only
    /// when TFO is off, `BIO_set_conn_address` only when it is on.
    private func fastOpenConnection(_ socket: Socket, storage: AddressStorage, to address: SocketAddress, tfo: Bool,
                                    deadline: Deadline, observer: WriteObserver) throws -> TLSConnection {
        if !tfo { try socket.connect(to: address, deadline: deadline) }
        let tls = try TLSConnection(unattached: context, socket: socket, role: .client)
        let state = FastOpenBIO.State(storage: storage, observer: observer)
        tls.keepAlive(state)
        let handle = try FastOpenBIO.make(fileDescriptor: socket.fileDescriptor, state: state)
        if tfo {
            let destination = DestinationAddress(address)
            tls.keepAlive(destination)
            guard tlsprobe_BIO_set_conn_address(handle.pointer, destination.pointer) == 1 else {
                throw OpenSSLError("BIO_set_conn_address")
            }
        }
        tls.attach(handle)
        return tls
    }

}

/// A strategy this runtime or kernel cannot do at all.
struct Unsupported: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A system call made by OpenSSL on our behalf (`BIO_connect`) failed.
struct SystemCallFailure: Error {
    let operation: String
    let errno: Int32
    let openSSLErrors: [String]
}
