/// An origin connection set up but not yet handshaken: the socket exists, the
/// BIO (and, for the fast-open BIO, its destination) is attached, nothing has
/// been written.
///
/// A proxy that abandons an origin connection releases it in this state;
/// releasing it must free everything exactly once, whatever the strategy.
public final class PendingOriginConnection {
    package let tls: TLSConnection
    private let observer: WriteObserver
    private let strategy: String
    private let chosenByPolicy: Bool
    private let notes: [String]

    init(tls: TLSConnection, observer: WriteObserver, strategy: String, chosenByPolicy: Bool, notes: [String]) {
        self.tls = tls
        self.observer = observer
        self.strategy = strategy
        self.chosenByPolicy = chosenByPolicy
        self.notes = notes
    }

    /// How the connection is being made; `firstWrite` is set once the handshake has written.
    public var diagnostics: ConnectDiagnostics {
        ConnectDiagnostics(strategy: strategy, chosenByPolicy: chosenByPolicy, notes: notes, firstWrite: observer.firstWrite)
    }

    /// Completes the verified TLS handshake.
    public func handshake(until deadline: Deadline) throws(OriginConnectError) -> OriginConnection {
        do {
            try tls.handshake(until: deadline)
        } catch {
            throw OriginConnectError(error, diagnostics: diagnostics)
        }
        return OriginConnection(tls: tls, diagnostics: diagnostics)
    }
}
