import Loopback
import MatrixModel
import ProxyCore

/// Drawing the TFO verdict from what the client and the loopback server saw.
extension TFOEvidence {
    /// Weighs what was observed: any positive sign makes `yes`; known negatives
    /// without a positive make `no`; nothing known makes `unknown`.
    package static func judge(connection: Int, clientSynData acked: Bool?, server: LoopbackTLSServer.AcceptRecord?,
                      counters: [String: Int]?, secondFirstWrite: FirstWrite? = nil) -> TFOEvidence {
        var positive: [String] = []
        var negative: [String] = []
        switch acked {
        case true?: positive.append("client TCP_INFO has TCPI_OPT_SYN_DATA")
        case false?: negative.append("client TCP_INFO lacks TCPI_OPT_SYN_DATA")
        case nil: break
        }
        switch server?.synData {
        case true?: positive.append("server accepted a SYN with data")
        case false?: negative.append("server's SYN carried no data")
        case nil: break
        }
        if let counters {
            let active = counters["TCPFastOpenActive", default: 0], passive = counters["TCPFastOpenPassive", default: 0]
            if active > 0 || passive > 0 {
                positive.append("TcpExt TCPFastOpenActive +\(active), TCPFastOpenPassive +\(passive)")
            } else {
                negative.append("TcpExt TCPFastOpenActive/Passive unchanged")
            }
        }
        let effect: Effect = !positive.isEmpty ? .yes : (!negative.isEmpty ? .no : .unknown)
        let said = (positive.isEmpty ? negative : positive).joined(separator: "; ")
        return TFOEvidence(tfoEffective: effect, connection: connection, synDataAcked: acked, serverSynData: server?.synData,
                           dataAtAccept: server?.dataAtAccept, counters: counters, secondFirstWrite: secondFirstWrite,
                           detail: "connection \(connection): " + (said.isEmpty ? "no evidence available" : said))
    }
}
