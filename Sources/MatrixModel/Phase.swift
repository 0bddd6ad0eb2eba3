/// When the cell's connection ends.
package enum Phase: String, Sendable, Codable, CaseIterable {
    /// Connect, handshake, echo a line, close.
    case handshake
    /// Set the connection up, then release it before the BIO ever writes, as a
    /// proxy does when it abandons an origin connection. On OpenSSL 3.2+ the
    /// legacy design then has the socket BIO free the application's address.
    /// Only the modes whose BIO holds memory of the application's have it (`BIOMode.hasTeardown`).
    case teardown
}
