import Foundation
import MatrixModel
import TestSupport
import Testing

/// A line that cannot be fetched (here: a mirror nobody answers at) is named with the
/// suite and apt's own error, the run exits 2, and the other runtimes still run.
@Suite struct RuntimeFetchFailureTests {
    @Test func aFetchFailureNamesTheSuiteAndAptsErrorAndTheRestRuns() throws {
        let cache = try Repository.scratch("empty-cache")
        defer { try? FileManager.default.removeItem(at: cache) }
        let arguments = ["matrix", "--runtime", "system", "--runtime", "4.0", "--mode", "fd", "--tfo", "off",
                         "--family", "ipv4", "--phase", "handshake", "--format", "json"]
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        let run = try CLI.run(arguments, environment: ["XDG_CACHE_HOME": cache.path, "TLSPROBE_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.runtimes.map(\.name) == ["system", "experimental"])
        let error = try #require(report.runtimes.last?.error)
        #expect(error.contains("cannot fetch OpenSSL 4.0 (Debian experimental)"), "\(error)")
        #expect(error.contains("from mirror http://127.0.0.1:9/debian (TLSPROBE_DEBIAN_MIRROR)"), "\(error)")
        #expect(error.contains("the mirror cannot be reached") && error.contains("--mirror URL"), "\(error)")
        #expect(!error.contains("\n"), "one line: \(error)")
        #expect(run.stderr.contains("runtime experimental: cannot fetch"), "\(run.stderr)")
        #expect(report.cells.map(\.outcome) == [.ok], "the system runtime's cell still ran")
        // Nothing half-made is left behind for the next run to trust: only the lock file.
        let builds = try FileManager.default.contentsOfDirectory(atPath: cache.path + "/tlsprobe")
        #expect(builds.count == 1, "one folder for this build: \(builds)")
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(cache.path)/tlsprobe/\(builds[0])/runtimes")
        #expect(left == [".experimental.lock"], "\(left)")
    }
}
