/// The loopback TLS origin `--origin` started for the program.
package struct OriginFacts: Sendable, Codable, Equatable {
    /// `127.0.0.1:PORT`, what `{origin}` stood for.
    package var ipv4: String
    /// `[::1]:PORT`, what `{origin-v6}` stood for; `nil` without IPv6 loopback.
    package var ipv6: String?
    /// The port both listen on, `{origin-port}`.
    package var port: UInt16
    /// The CA file `{ca}` named (removed after the run).
    package var caFile: String
    /// Connections the origin accepted and answered, per runtime run.
    package var served: Int?

    package init(ipv4: String, ipv6: String?, port: UInt16, caFile: String, served: Int? = nil) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.port = port
        self.caFile = caFile
        self.served = served
    }
}
