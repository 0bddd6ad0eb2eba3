import Foundation
import MatrixModel
import TestSupport
import Testing

/// Numbers outside what the tool can honour are usage errors that name the range;
/// the same runtime folder written two ways is one runtime.
@Suite struct InputLimitsTests {
    @Test(arguments: [
        (["matrix", "--runtime", "system", "--timeout", "1e11"], "at most 3600"),
        (["matrix", "--runtime", "system", "--timeout", "-1"], "positive"),
        (["matrix", "--runtime", "system", "--timeout", "inf"], "at most 3600"),
        (["gate", "--timeout", "nan"], "positive"),
        (["matrix", "--runtime", "system", "--kernel-tfo", "-1"], "0 to 65535"),
        (["matrix", "--runtime", "system", "--kernel-tfo", "0,70000"], "0 to 65535"),
        (["matrix", "--runtime", "system", "--kernel-tfo", "0x10000"], "0 to 65535"),
    ])
    func outOfRangeNumbersAreUsageErrors(_ arguments: [String], _ named: String) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(arguments): status \(run.status), stderr \(run.stderr)")
        #expect(run.stderr.contains(named), "\(run.stderr)")
        #expect(!run.stderr.contains("Missing value"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }

    /// Relative, absolute with a trailing slash, through a symlink: one folder, probed once,
    /// reported under the name given first.
    @Test func aRuntimeFolderNamedTwiceIsProbedOnce() throws {
        let trixie = try Runtimes.fetch("trixie")
        let scratch = try Repository.scratch("runtime-alias")
        let alias = scratch.appendingPathComponent("alias").path
        #expect(symlink(trixie, alias) == 0)
        let run = try CLI.run(["matrix", "--runtime", trixie, "--runtime", trixie + "/", "--runtime", alias,
                               "--mode", "fd", "--tfo", "off", "--family", "ipv4", "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.runtimes.map(\.name) == [trixie])
        #expect(report.cells.count == 1)
    }
}
