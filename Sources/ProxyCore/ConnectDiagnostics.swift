/// What an origin connect did, for logs and bug reports, whether it worked or not.
public struct ConnectDiagnostics: Sendable {
    /// The strategy that really ran.
    public var strategy: OriginConnector.Strategy
    /// Whether `OriginConnector`'s policy chose it (rather than a caller forcing it).
    public var chosenByPolicy: Bool
    /// Decisions worth knowing: fallbacks, refusals, why a strategy was picked.
    public var notes: [String]
    /// The first write under TLS, as the BIO or a socket-BIO callback saw it.
    public var firstWrite: FirstWrite?
}
