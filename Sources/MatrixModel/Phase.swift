/// When the cell's connection ends.
package enum Phase: String, Sendable, Codable, CaseIterable {
    /// Connect, handshake, echo a line, close.
    case handshake
    /// Set the connection up, then release it before the BIO ever writes, as a
    /// proxy does when it abandons an origin connection. On OpenSSL 3.2+ the
    /// legacy design then has the socket BIO free the application's address.
    case teardown

    /// The modes whose BIO holds memory of the application's (a destination address, a
    /// connection record), where teardown matters: whose free is it when the BIO goes?
    package static let teardownModes: Set<BIOMode> = [.legacyFastOpen, .nulledFastOpen, .exDataFastOpen, .filterFastOpen,
                                                      .appDataPointer, .proxyCore]
}
