/// Whether TCP Fast Open really carried data, and what says so.
///
/// "TFO on" is what the application asked for; this is what the kernel did.
/// It is `yes` only with evidence, never by inference from the setting.
public struct TFOEvidence: Sendable, Codable, Equatable {
    public enum Effect: String, Sendable, Codable {
        case yes, no, unknown
    }

    public var tfoEffective: Effect
    /// `tcpi_options & TCPI_OPT_SYN_DATA` on the client socket: the SYN's data was acknowledged.
    public var synDataAcked: Bool?
    public var detail: String

    public init(tfoEffective: Effect, synDataAcked: Bool?, detail: String) {
        self.tfoEffective = tfoEffective
        self.synDataAcked = synDataAcked
        self.detail = detail
    }

    /// Linux's `TCPI_OPT_SYN_DATA` (include/uapi/linux/tcp.h).
    static let tcpiOptSynData: UInt8 = 32

    /// Reads the client side's `TCP_INFO` options.
    static func fromTCPInfo(_ options: UInt8?) -> TFOEvidence {
        guard let options else {
            return TFOEvidence(tfoEffective: .unknown, synDataAcked: nil, detail: "TCP_INFO unavailable")
        }
        let acked = options & tcpiOptSynData != 0
        return TFOEvidence(tfoEffective: acked ? .yes : .no, synDataAcked: acked,
                           detail: acked ? "TCP_INFO: TCPI_OPT_SYN_DATA set (data in the SYN was acknowledged)"
                                         : "TCP_INFO: TCPI_OPT_SYN_DATA clear (no data rode in the SYN)")
    }

    static let none = TFOEvidence(tfoEffective: .unknown, synDataAcked: nil, detail: "no connection to inspect")
}
