/// One conclusion the evidence supports, with the cells that show it.
package struct Finding: Sendable, Codable, Equatable {
    /// Which mechanism (the README's "Why") the evidence shows; the verdict line is built from these.
    package enum Mechanism: String, Sendable, Codable {
        /// The legacy fast-open BIO took OpenSSL's struct for its destination: sendto with address length 0.
        case dataPointerRegression = "data-pointer-regression"
        /// The legacy BIO overwrote OpenSSL's pointer: a leak, or OpenSSL freeing the application's memory.
        case pointerOverwritten = "pointer-overwritten"
        /// BIO_set_conn_address accepted on a plain socket BIO that then writes an unconnected socket.
        case migrationTrap = "migration-trap"
        /// `BIO_set_conn_address(bio, NULL)` (ATS PR 11501's first revision) cleared OpenSSL's
        /// struct pointer: the struct leaks on every TFO-off connection.
        case pointerNulled = "pointer-nulled"
        /// OpenSSL wrote into the application's record kept in BIO data, and freed it (PostgreSQL ≤ 16.1).
        case recordOverwritten = "record-overwritten"
    }

    package var runtime: String
    package var mechanism: Mechanism
    /// The `--bio-plugin` whose cells show the mechanism (`plugin:NAME`); `nil` for tlsprobe's own
    /// modes. The mechanism is OpenSSL's, the same whoever's BIO runs into it; the design that
    /// ran into it is the plug-in's, so its findings never count for a reproduced design.
    package var plugin: BIOMode?
    package var title: String
    /// Two or three sentences: the mechanism, as far as the evidence shows it.
    package var explanation: String
    /// Names of the cells that show it (`legacy-fastopen/tfo-off/ipv4`).
    package var evidence: [String]
    /// What `proxy-core` does instead.
    package var fix: String

    package init(runtime: String, mechanism: Mechanism, plugin: BIOMode? = nil, title: String, explanation: String,
                 evidence: [String], fix: String) {
        self.runtime = runtime
        self.mechanism = mechanism
        self.plugin = plugin
        self.title = title
        self.explanation = explanation
        self.evidence = evidence
        self.fix = fix
    }
}
