/// An established, verified TLS connection to an origin, with how it was made.
public final class OriginConnection {
    public let tls: TLSConnection
    public let diagnostics: ConnectDiagnostics

    init(tls: TLSConnection, diagnostics: ConnectDiagnostics) {
        self.tls = tls
        self.diagnostics = diagnostics
    }
}
