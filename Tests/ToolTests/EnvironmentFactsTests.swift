import Foundation
import MatrixModel
import Testing

@Suite struct EnvironmentFactsTests {
    let facts = EnvironmentFacts.gather()

    @Test func kernelFactsMatchProc() throws {
        let release = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
        #expect(facts.kernelRelease == release.trimmingCharacters(in: .whitespacesAndNewlines))
        let raw = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_fastopen", encoding: .utf8)
        #expect(facts.tcpFastopen == Int(raw.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func capabilitiesAgreeWithTheKernelsBitmask() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("CapEff:") })
        let mask = try #require(UInt64(line.split(separator: "\t").last!.trimmingCharacters(in: .whitespaces), radix: 16))
        // CAP_NET_ADMIN is 12, CAP_SYS_ADMIN is 21.
        #expect(facts.relevantCapabilities["cap_net_admin"] == (mask & (1 << 12) != 0))
        #expect(facts.relevantCapabilities["cap_sys_admin"] == (mask & (1 << 21) != 0))
        #expect(facts.effectiveCapabilities?.count == mask.nonzeroBitCount)
    }
}
