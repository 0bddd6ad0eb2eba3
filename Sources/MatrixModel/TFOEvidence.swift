import ProxyCore

/// Whether TCP Fast Open really carried data, and what says so.
///
/// "TFO on" is what the application asked for; this is what the kernel did.
/// TFO-on cells make two connections, the first to obtain the server's cookie
/// and the second to use it (as OpenSSL's test/bio_tfo_test.c does); the
/// evidence is the second's. It is `yes` only with positive evidence, never
/// by inference from a setting.
package struct TFOEvidence: Sendable, Codable, Equatable {
    package enum Effect: String, Sendable, Codable {
        case yes, no, unknown
    }

    package var tfoEffective: Effect
    /// Which connection of the cell the evidence is from: 1, or 2 (the one with the cookie).
    package var connection: Int?
    /// Client `TCP_INFO`: `tcpi_options & TCPI_OPT_SYN_DATA`, the SYN's data was acknowledged.
    package var synDataAcked: Bool?
    /// Server `TCP_INFO` at accept: the SYN it accepted carried data.
    package var serverSynData: Bool?
    /// Data was readable the moment the server's `accept` returned. Informational only:
    /// on loopback a fast client can beat the server's wake-up without TFO.
    package var dataAtAccept: Bool?
    /// Changes of the `TcpExt: TCPFastOpen*` counters over the evidence connection;
    /// only in a private network namespace, where no other traffic moves them.
    package var counters: [String: Int]?
    /// The first write of the second connection (with the cookie, data can ride in the SYN).
    package var secondFirstWrite: FirstWrite?
    package var detail: String

    package init(tfoEffective: Effect, connection: Int? = nil, synDataAcked: Bool? = nil, serverSynData: Bool? = nil,
                dataAtAccept: Bool? = nil, counters: [String: Int]? = nil, secondFirstWrite: FirstWrite? = nil,
                detail: String) {
        self.tfoEffective = tfoEffective
        self.connection = connection
        self.synDataAcked = synDataAcked
        self.serverSynData = serverSynData
        self.dataAtAccept = dataAtAccept
        self.counters = counters
        self.secondFirstWrite = secondFirstWrite
        self.detail = detail
    }


    package static let none = TFOEvidence(tfoEffective: .unknown, detail: "no connection to inspect")
}
