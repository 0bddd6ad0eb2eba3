/// When the cell's connection ends.
package enum Phase: String, Sendable, Codable, CaseIterable {
    /// Connect, handshake, echo a line, close.
    case handshake
    /// Set the connection up, then release it before the BIO ever writes, as a
    /// proxy does when it abandons an origin connection. On OpenSSL 3.2+ the
    /// legacy design then has the socket BIO free the application's address.
    case teardown

    /// The modes whose BIO can hold a destination address, where teardown matters.
    package static let teardownModes: Set<BIOMode> = [.legacyFastOpen, .exDataFastOpen, .proxyCore]
}
