import Foundation
import Matrix
import MatrixModel
import TestSupport
import Testing

/// A host where not one cell can be probed: a fresh network namespace (util-linux's
/// `unshare --net`, as root), whose `lo` is down. 127.0.0.1 can still be bound there,
/// so only a connection that completes proves a loopback: every cell is `skipped`
/// with the reason, never `failed`, the report is still printed, and the run exits 3.
@Suite struct NothingProbedTests {
    func requireNamespaces() throws {
        try #require(NetworkNamespace.unavailableReason() == nil, "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI has them)")
    }

    @Test(arguments: [AddressFamily.ipv4, .ipv6])
    func matrixWithLoopbackDownExitsThree(_ family: AddressFamily) throws {
        try requireNamespaces()
        let run = try CLI.run(["matrix", "--runtime", "system", "--family", family.rawValue, "--format", "json"], through: ["/usr/bin/unshare", "--net"])
        let report = try Report.decode(run.stdout)
        NothingProbed.expect(run, report: report, planned: MatrixPlan(families: [family]).cells)
    }

    /// `gate` ends the same way, whatever its conditions say, and the report it was
    /// asked to write says why for each cell.
    @Test func gateWithLoopbackDownExitsThreeAndStillWritesTheReport() throws {
        try requireNamespaces()
        let folder = try Repository.scratch("nothing-probed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gate.json").path
        let run = try CLI.run(["gate", "--family", "ipv4", "--format", "json", "--output", path], through: ["/usr/bin/unshare", "--net"])
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        NothingProbed.expect(run, report: report, planned: MatrixPlan(families: [.ipv4]).cells)
    }
}
