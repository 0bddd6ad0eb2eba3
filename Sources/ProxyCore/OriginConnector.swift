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
    /// Whom origins are verified against and what the proxy presents (`TLSContext.client`).
    public let context: TLSContext
    /// The OpenSSL this process really loaded, measured: whether it has `BIO_SOCK_TFO`.
    public let runtime: OpenSSLRuntime
    /// What the kernel says about `TCP_FASTOPEN_CONNECT` in this network namespace.
    public let kernel: KernelTFOSupport

    /// Measures the runtime and the kernel once (by default); share the connector between
    /// threads and connections. The policy's choice depends only on these and `tfo`.
    public init(context: TLSContext, runtime: OpenSSLRuntime = .current, kernel: KernelTFOSupport = .probe()) {
        self.context = context
        self.runtime = runtime
        self.kernel = kernel
        // The filter BIO's method is process-wide and made once; making it here keeps
        // that one-time work out of the first connection.
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
    /// handshake (the origin's chain against the context's trust roots, its name or
    /// address against `identity`) and returns the connection. Every step is bounded by
    /// `deadline`. A failure throws `OriginConnectError`, with the diagnostics so far.
    public func connect(to address: SocketAddress, identity: PeerIdentity, tfo: Bool,
                        deadline: Deadline) throws(OriginConnectError) -> OriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline).handshake(until: deadline)
    }

    /// Sets an origin connection up as `connect` does, short of the handshake:
    /// nothing is written yet (with TFO on, the socket may not even be connected).
    public func prepare(to address: SocketAddress, identity: PeerIdentity, tfo: Bool,
                        deadline: Deadline) throws(OriginConnectError) -> PendingOriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline, instrumentation: nil)
    }

    /// `connect`, instrumented by tlsprobe: a recipe instead of the policy's choice, a hook
    /// on the new socket, the recipe's setup evidence. How the matrix compares the policy
    /// with each strategy and with the broken designs on the very same path.
    package func connect(to address: SocketAddress, identity: PeerIdentity, tfo: Bool, deadline: Deadline,
                         instrumentation: ConnectInstrumentation?) throws(OriginConnectError) -> OriginConnection {
        try prepare(to: address, identity: identity, tfo: tfo, deadline: deadline, instrumentation: instrumentation)
            .handshake(until: deadline)
    }

    /// `prepare`, instrumented by tlsprobe (`nil`: exactly the public `prepare`).
    package func prepare(to address: SocketAddress, identity: PeerIdentity, tfo: Bool, deadline: Deadline,
                         instrumentation: ConnectInstrumentation?) throws(OriginConnectError) -> PendingOriginConnection {
        let forced = instrumentation?.recipe
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
                               firstWrite: observer.firstWrite)
        }
        do {
            let socket = try Socket(family: address.family)
            instrumentation?.socketOpened?(socket.fileDescriptor)
            let opening = ConnectionRequest(socket: socket, address: address, tfo: tfo, deadline: deadline, context: context,
                                            runtime: runtime, observer: observer, instrumentation: instrumentation)
            request = opening
            let tls = try recipe.open(opening)
            try tls.expect(identity)
            return PendingOriginConnection(tls: tls, observer: observer, strategy: recipe.name, chosenByPolicy: forced == nil,
                                           notes: notes + opening.notes)
        } catch {
            throw OriginConnectError(error, diagnostics: diagnostics())
        }
    }
}
