/// How an origin connection's socket and BIO are set up before the handshake.
///
/// ProxyCore's own recipes are `OriginConnector.Strategy`'s cases. The
/// protocol is `package` so that tlsprobe can run its reproductions of the
/// broken designs (module BIOPatterns) through the very same connect path and
/// observation as the fix; nothing outside this package can supply one.
package protocol ConnectionRecipe: Sendable {
    /// The name the matrix and the diagnostics use (`fd`, `exdata-fastopen`, …).
    var name: String { get }

    /// Connects (or not) `request.socket` and returns a TLS connection whose BIO
    /// is attached and watched by `request.observer`; nothing is written yet.
    func open(_ request: ConnectionRequest) throws -> TLSConnection
}
