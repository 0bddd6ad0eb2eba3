/// What a `ConnectionRecipe` works with: a fresh socket, where it should lead,
/// and where to record what happened.
package final class ConnectionRequest {
    package let socket: Socket
    package let address: SocketAddress
    /// Whether the application wants TCP Fast Open.
    package let tfo: Bool
    package let deadline: Deadline
    package let context: TLSContext
    package let runtime: OpenSSLRuntime
    /// Sees the BIO's writes; the recipe attaches it to the BIO it makes.
    package let observer: WriteObserver
    /// Decisions worth a line in the diagnostics (a fallback, an accepted ctrl).
    package var notes: [String] = []
    /// Where a recipe puts facts it measured while setting up, beyond the first write,
    /// for whoever forced it (`ConnectInstrumentation.setupEvidence`): tlsprobe's
    /// reproductions check the application's own memory here. ProxyCore's strategies add none.
    private let instrumentation: ConnectInstrumentation?

    init(socket: Socket, address: SocketAddress, tfo: Bool, deadline: Deadline, context: TLSContext,
         runtime: OpenSSLRuntime, observer: WriteObserver, instrumentation: ConnectInstrumentation?) {
        self.instrumentation = instrumentation
        self.socket = socket
        self.address = address
        self.tfo = tfo
        self.deadline = deadline
        self.context = context
        self.runtime = runtime
        self.observer = observer
    }

    /// Records `evidence` for the caller that forced the recipe; dropped when the policy chose.
    package func recordEvidence(_ evidence: any Sendable) {
        instrumentation?.setupEvidence.append(evidence)
    }

    /// OpenSSL's own socket BIO on the socket (`SSL_set_fd`), watched by the observer.
    package func socketBIOConnection() throws -> TLSConnection {
        let tls = try TLSConnection(context: context, socket: socket)
        try SocketBIOObserver.attach(observer, to: tls)
        return tls
    }
}
