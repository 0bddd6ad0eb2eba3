/// How an origin connection's socket and BIO are set up before the handshake.
///
/// ProxyCore's own recipes are `OriginConnector.Strategy`'s cases. The
/// protocol is `package` so that tlsprobe can run its reproductions of the
/// broken designs (module BIOPatterns) through the very same connect path and
/// observation as the fix; nothing outside this package can supply one.
package protocol ConnectionRecipe: Sendable {
    /// The name the matrix and the diagnostics use (`fd`, `exdata-fastopen`, …).
    var name: String { get }

    /// Whether the BIO `open(_:)` attaches keeps memory of the application's (a
    /// destination address, a connection record) for as long as the BIO lives. Such a
    /// BIO is where the ownership question arises when a connection is released before
    /// its first write: whose free is that memory when OpenSSL frees the BIO? The
    /// matrix gives exactly these recipes a teardown phase. Each conformer answers with
    /// an exhaustive `switch`, so a new case does not compile until it says.
    var bioHoldsApplicationMemory: Bool { get }

    /// Connects (or not) `request.socket` and returns a TLS connection whose BIO
    /// is attached and watched by `request.observer`; nothing is written yet.
    func open(_ request: ConnectionRequest) throws -> TLSConnection
}
