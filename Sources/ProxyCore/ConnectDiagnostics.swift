/// What an origin connect did, for logs and bug reports, whether it worked or not.
public struct ConnectDiagnostics: Sendable {
    /// The strategy that really ran, as the matrix names it (`fd`, `fastopen-connect`, …).
    public var strategy: String
    /// Whether `OriginConnector`'s policy chose it (rather than tlsprobe forcing it for comparison).
    public var chosenByPolicy: Bool
    /// Decisions worth knowing: fallbacks, refusals, why a strategy was picked.
    public var notes: [String]
    /// The first write under TLS, as the BIO or a socket-BIO callback saw it: with the
    /// 3.2 regression, `sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL`.
    public var firstWrite: FirstWrite?
}
