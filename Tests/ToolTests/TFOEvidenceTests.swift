@testable import Loopback
@testable import MatrixModel
import ProxyCore
import Testing

/// `TFOEvidence.judge`: `yes` only on a positive sign, `no` only on known negatives,
/// `unknown` with nothing known; the detail says what decided it.
@Suite struct TFOEvidenceTests {
    typealias AcceptRecord = LoopbackTLSServer.AcceptRecord

    /// One set of observations and what the judgement must be.
    struct Row: Sendable, CustomTestStringConvertible {
        let acked: Bool?
        let server: AcceptRecord?
        let counters: [String: Int]?
        let effect: TFOEvidence.Effect
        /// The detail after `connection N: `.
        let said: String

        init(_ acked: Bool?, _ server: AcceptRecord?, _ counters: [String: Int]?, _ effect: TFOEvidence.Effect, _ said: String) {
            self.acked = acked
            self.server = server
            self.counters = counters
            self.effect = effect
            self.said = said
        }

        var testDescription: String {
            let server = server.map { "server(dataAtAccept: \($0.dataAtAccept), synData: \($0.synData.map(String.init) ?? "nil"))" } ?? "no server record"
            let counters = counters.map { "counters \($0.sorted { $0.key < $1.key })" } ?? "no counters"
            return "acked \(acked.map(String.init) ?? "nil"), \(server), \(counters) → \(effect.rawValue)"
        }
    }

    static func server(synData: Bool?, dataAtAccept: Bool = false) -> AcceptRecord {
        AcceptRecord(dataAtAccept: dataAtAccept, synData: synData)
    }

    static let clientYes = "client TCP_INFO has TCPI_OPT_SYN_DATA"
    static let clientNo = "client TCP_INFO lacks TCPI_OPT_SYN_DATA"
    static let serverYes = "server accepted a SYN with data"
    static let serverNo = "server's SYN carried no data"
    static let countersNo = "TcpExt TCPFastOpenActive/Passive unchanged"

    static let rows: [Row] = [
        // Nothing known.
        Row(nil, nil, nil, .unknown, "no evidence available"),
        // Data readable at accept proves nothing on loopback, and a record without TCP_INFO says nothing.
        Row(nil, server(synData: nil, dataAtAccept: true), nil, .unknown, "no evidence available"),
        Row(nil, server(synData: nil), nil, .unknown, "no evidence available"),

        // Each positive sign alone.
        Row(true, nil, nil, .yes, clientYes),
        Row(nil, server(synData: true), nil, .yes, serverYes),
        Row(nil, nil, ["TCPFastOpenActive": 1], .yes, "TcpExt TCPFastOpenActive +1, TCPFastOpenPassive +0"),
        Row(nil, nil, ["TCPFastOpenPassive": 2], .yes, "TcpExt TCPFastOpenActive +0, TCPFastOpenPassive +2"),

        // A positive sign outweighs every negative, and the detail names only the positives.
        Row(false, server(synData: true), [:], .yes, serverYes),
        Row(true, server(synData: false), ["TCPFastOpenCookieReqd": 1], .yes, clientYes),
        Row(false, server(synData: false, dataAtAccept: true), ["TCPFastOpenActive": 1, "TCPFastOpenPassive": 1], .yes,
            "TcpExt TCPFastOpenActive +1, TCPFastOpenPassive +1"),
        Row(true, server(synData: true), ["TCPFastOpenActive": 3, "TCPFastOpenPassive": 0], .yes,
            "\(clientYes); \(serverYes); TcpExt TCPFastOpenActive +3, TCPFastOpenPassive +0"),

        // Each known negative alone.
        Row(false, nil, nil, .no, clientNo),
        Row(nil, server(synData: false), nil, .no, serverNo),
        Row(nil, server(synData: false, dataAtAccept: true), nil, .no, serverNo),
        Row(nil, nil, [:], .no, countersNo),
        // Other TFO counters moving (a cookie asked for, a fallback) are no data in a SYN.
        Row(nil, nil, ["TCPFastOpenCookieReqd": 1, "TCPFastOpenActiveFail": 1], .no, countersNo),
        Row(nil, nil, ["TCPFastOpenActive": 0, "TCPFastOpenPassive": 0], .no, countersNo),

        // Every negative together, in the order they are weighed.
        Row(false, server(synData: false), [:], .no, "\(clientNo); \(serverNo); \(countersNo)"),
        Row(false, server(synData: nil), nil, .no, clientNo),
    ]

    @Test(arguments: rows)
    func judgement(_ row: Row) {
        let evidence = TFOEvidence.judge(connection: 2, clientSynData: row.acked, server: row.server, counters: row.counters)
        #expect(evidence.tfoEffective == row.effect)
        #expect(evidence.detail == "connection 2: \(row.said)")
    }

    @Test(arguments: rows)
    func everyObservationIsCarriedUnchanged(_ row: Row) {
        let write = FirstWrite(syscall: .sendto, flags: ["MSG_FASTOPEN"], addressLength: 16, expectedAddressLength: 16,
                               result: 293, errno: nil, observedBy: .fastOpenBIO)
        let evidence = TFOEvidence.judge(connection: 1, clientSynData: row.acked, server: row.server, counters: row.counters,
                                         secondFirstWrite: write)
        #expect(evidence.connection == 1)
        #expect(evidence.detail.hasPrefix("connection 1: "))
        #expect(evidence.synDataAcked == row.acked)
        #expect(evidence.serverSynData == row.server?.synData)
        #expect(evidence.dataAtAccept == row.server?.dataAtAccept)
        #expect(evidence.counters == row.counters)
        #expect(evidence.secondFirstWrite == write)
        #expect(TFOEvidence.judge(connection: 1, clientSynData: row.acked, server: row.server, counters: row.counters)
            .secondFirstWrite == nil)
    }

    /// Every combination of the three sources, against the rule as the design states it.
    static let combinations: [Row] = {
        let acked: [Bool?] = [nil, false, true]
        let servers: [AcceptRecord?] = [nil, server(synData: nil, dataAtAccept: true), server(synData: false, dataAtAccept: true),
                                        server(synData: true)]
        let counters: [[String: Int]?] = [nil, [:], ["TCPFastOpenCookieReqd": 2], ["TCPFastOpenActive": 1],
                                          ["TCPFastOpenPassive": 1, "TCPFastOpenCookieReqd": 1]]
        return acked.flatMap { acked in
            servers.flatMap { server in
                counters.map { counters in
                    let positive = acked == true || server?.synData == true
                        || (counters?["TCPFastOpenActive"] ?? 0) > 0 || (counters?["TCPFastOpenPassive"] ?? 0) > 0
                    let known = acked != nil || server?.synData != nil || counters != nil
                    return Row(acked, server, counters, positive ? .yes : (known ? .no : .unknown), "")
                }
            }
        }
    }()

    @Test(arguments: combinations)
    func anyPositiveSignIsYesKnownNegativesAloneAreNo(_ row: Row) {
        let evidence = TFOEvidence.judge(connection: 2, clientSynData: row.acked, server: row.server, counters: row.counters)
        #expect(evidence.tfoEffective == row.effect)
        let negatives = ["lacks", "carried no data", "unchanged"]
        let positives = ["has TCPI_OPT_SYN_DATA", "accepted a SYN with data", "TCPFastOpenActive +"]
        switch row.effect {
        case .yes:
            #expect(positives.contains { evidence.detail.contains($0) }, "\(evidence.detail)")
            #expect(!negatives.contains { evidence.detail.contains($0) }, "\(evidence.detail)")
        case .no:
            #expect(negatives.contains { evidence.detail.contains($0) }, "\(evidence.detail)")
            #expect(!positives.contains { evidence.detail.contains($0) }, "\(evidence.detail)")
        case .unknown:
            #expect(evidence.detail == "connection 2: no evidence available")
        }
    }

    @Test func noConnectionIsUnknown() {
        #expect(TFOEvidence.none.tfoEffective == .unknown)
        #expect(TFOEvidence.none.connection == nil)
        #expect(TFOEvidence.none.detail == "no connection to inspect")
    }
}
