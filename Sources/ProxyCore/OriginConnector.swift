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
///   `BIO_connect(…, BIO_SOCK_TFO)` (`native-tfo`); else a fast-open filter
///   BIO of our own over OpenSSL's socket BIO (`filter-fastopen`), which
///   borrows no socket-BIO method and so needs no deprecated API.
///
/// Like any user of OpenSSL's socket BIO, the process must ignore SIGPIPE:
/// the BIO writes with `write(2)`, and a peer that is gone raises the signal.
public struct OriginConnector: Sendable {
    public let context: TLSContext
    public let runtime: OpenSSLRuntime
    public let kernel: KernelTFOSupport
    /// Told of each connection's new socket before anything is done with it: how
    /// tlsprobe points its libc-boundary write observer at the connection.
    package var socketOpened: (@Sendable (Int32) -> Void)?

    public init(context: TLSContext, runtime: OpenSSLRuntime = .current, kernel: KernelTFOSupport = .probe()) {
        self.context = context
        self.runtime = runtime
        self.kernel = kernel
        // The fast-open BIOs' methods and ex_data indices are process-wide and made
        // once; making them here keeps that one-time work out of the first connection.
        FastOpenBIO.prepare()
        FilterFastOpenBIO.prepare()
    }

    /// The fix: the strategy for an origin connection on this runtime and kernel.
    public func strategy(tfo: Bool) -> Strategy {
        guard tfo else { return .fd }
        switch kernel {
        case .available, .disabled: return .fastOpenConnect
        case .absent: return runtime.nativeTFO ? .nativeTFO : .filterFastOpen
        }
    }

    /// Connects to `address` with the policy's strategy, completes a verified TLS
    /// handshake and returns the connection.
    public func connect(to address: SocketAddress, identity: PeerIdentity, tfo: Bool,
                        deadline: Deadline) throws(OriginConnectError) -> OriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline).handshake(until: deadline)
    }

    /// Sets an origin connection up as `connect` does, short of the handshake:
    /// nothing is written yet (with TFO on, the socket may not even be connected).
    public func prepare(to address: SocketAddress, identity: PeerIdentity, tfo: Bool,
                        deadline: Deadline) throws(OriginConnectError) -> PendingOriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline, recipe: nil)
    }

    /// `connect`, with `recipe` instead of the policy's choice: how tlsprobe
    /// compares the policy with each strategy and with the broken designs.
    package func connect(to address: SocketAddress, identity: PeerIdentity, tfo: Bool, deadline: Deadline,
                         recipe: (any ConnectionRecipe)?) throws(OriginConnectError) -> OriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline, recipe: recipe).handshake(until: deadline)
    }

    /// `prepare`, with `recipe` instead of the policy's choice (`nil`: the policy's).
    package func prepare(to address: SocketAddress, identity: PeerIdentity, tfo: Bool, deadline: Deadline,
                         recipe forced: (any ConnectionRecipe)?) throws(OriginConnectError) -> PendingOriginConnection {
        let recipe: any ConnectionRecipe = forced ?? strategy(tfo: tfo)
        var notes: [String] = []
        if forced == nil {
            notes.append(tfo ? "policy: TFO wanted, \(kernel); chose \(recipe.name)"
                             : "policy: TFO not wanted; chose fd (SSL_set_fd)")
        }
        let observer = WriteObserver(expectedAddressLength: Int(address.length))
        var request: ConnectionRequest?
        func diagnostics() -> ConnectDiagnostics {
            ConnectDiagnostics(strategy: recipe.name, chosenByPolicy: forced == nil, notes: notes + (request?.notes ?? []),
                               firstWrite: observer.firstWrite, setupEvidence: request?.setupEvidence ?? [])
        }
        do {
            let socket = try Socket(family: address.family)
            socketOpened?(socket.fileDescriptor)
            let opening = ConnectionRequest(socket: socket, address: address, tfo: tfo,
                                            deadline: deadline, context: context, runtime: runtime, observer: observer)
            request = opening
            let tls = try recipe.open(opening)
            try tls.expect(identity)
            return PendingOriginConnection(tls: tls, observer: observer, strategy: recipe.name, chosenByPolicy: forced == nil,
                                           notes: notes + opening.notes, setupEvidence: opening.setupEvidence)
        } catch {
            throw OriginConnectError(error, diagnostics: diagnostics())
        }
    }
}
