import Foundation
import Matrix
import MatrixModel
import Testing

/// Without IPv6 loopback the IPv6 cells are `skipped` with the reason, never `ok`,
/// and the IPv4 cells still run. The test makes such a host: a private network
/// namespace (util-linux's `unshare`, as root) whose `lo` has IPv6 disabled.
@Suite struct NoIPv6Tests {
    @Test func ipv6CellsAreSkippedWithTheReason() throws {
        try #require(NetworkNamespace.unavailableReason() == nil, "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI has them)")
        // The shell brings lo up with IPv6 disabled, then execs tlsprobe ("$0") with its arguments ("$@").
        let script = "ip link set lo up && echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6 && exec \"$0\" \"$@\""
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--mode", "proxy-core", "--format", "json"],
                              through: ["/usr/bin/unshare", "--net", "/bin/sh", "-c", script])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.environment.ipv6Loopback == false)
        #expect(report.cells.count == MatrixPlan(modes: [.fd, .proxyCore]).cells.count)
        for cell in report.cells {
            if cell.family == .ipv6 {
                #expect(cell.outcome == .skipped)
                #expect(cell.reason?.contains("::1") == true, "\(cell.reason ?? "")")
            } else {
                #expect(cell.outcome == .ok, "\(cell.cell.name): \(cell.reason ?? "")")
            }
        }
    }
}
