/// One conclusion the evidence supports, with the cells that show it.
package struct Finding: Sendable, Codable, Equatable {
    /// Which mechanism of design §1 the evidence shows; the verdict line is built from these.
    package enum Mechanism: String, Sendable, Codable {
        /// The legacy fast-open BIO took OpenSSL's struct for its destination: sendto with address length 0.
        case dataPointerRegression = "data-pointer-regression"
        /// The legacy BIO overwrote OpenSSL's pointer: a leak, or OpenSSL freeing the application's memory.
        case pointerOverwritten = "pointer-overwritten"
        /// BIO_set_conn_address accepted on a plain socket BIO that then writes an unconnected socket.
        case migrationTrap = "migration-trap"
    }

    package var runtime: String
    package var mechanism: Mechanism
    package var title: String
    /// Two or three sentences: the mechanism, as far as the evidence shows it.
    package var explanation: String
    /// Names of the cells that show it (`legacy-fastopen/tfo-off/ipv4`).
    package var evidence: [String]
    /// What `proxy-core` does instead.
    package var fix: String
}
