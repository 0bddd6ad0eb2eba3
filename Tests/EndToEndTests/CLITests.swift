import Foundation
import MatrixModel
import TestSupport
import Testing
import ToolCore

@Suite struct CLITests {
    @Test func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Repository.binary), "build tlsprobe first: \(Repository.binary)")
    }

    @Test func matrixJSONHasAHandshakeCellForEveryModeTFOAndFamily() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.map(\.cell) == MatrixPlan().cells)
        #expect(report.cells.filter { $0.phase == .handshake }.count
                == BIOMode.allCases.count * TFOSetting.allCases.count * AddressFamily.allCases.count)
        #expect(report.command.last == "json")
        #expect(report.cells.filter { $0.mode == .proxyCore }.allSatisfy { $0.outcome == .ok || $0.outcome == .skipped })
    }

    @Test func textMatrixNeverColoursAPipe() throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let text = run.output
        #expect(text.contains("fd/tfo-off/ipv4") || text.contains("fd  "))
        #expect(text.contains("1 cells: 1 ok"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test(arguments: [
        (["matrix", "--runtime", "system", "--mode", "bogus"], "legacy-fastopen"),
        (["matrix", "--runtime", "system", "--format", "xml"], "json"),
        (["matrix", "--runtime", "system", "--family", "ipv5"], "ipv6"),
        (["matrix", "--runtime", "system", "--tfo", "maybe"], "both"),
        (["matrix", "--runtime", "system", "--timeout", "0"], "positive"),
        (["matrix", "--runtime", "system", "--timeout=-3"], "positive"),
        (["env", "--format", "yaml"], "text"),
        // Derived from the recipes and the lines, as they were listed by hand before.
        (["matrix", "--runtime", "system", "--mode", "fd", "--phase", "teardown"],
         "appdata-pointer, exdata-fastopen, filter-fastopen, legacy-fastopen, nulled-fastopen, proxy-core only"),
        (["runtime", "fetch", "bogus"], "expected all, bullseye, bookworm, trixie, sid, experimental, 1.1.1, 3.0, 3.5, 3.6, 4.0"),
        // The crash and hang hooks are the workers' environment now (TLSPROBE_TEST_CRASH, TLSPROBE_TEST_HANG), never an option.
        (["matrix", "--runtime", "system", "--debug-crash", "fd/tfo-off/ipv4"], "--debug-crash"),
        (["matrix", "--runtime", "system", "--debug-hang", "fd/tfo-off/ipv4"], "--debug-hang"),
    ])
    func badInputExitsTwoWithOneLine(_ arguments: [String], _ mentioned: String) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(arguments): status \(run.status), stderr \(run.stderr)")
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(mentioned))
    }

    @Test func versionAndEnv() throws {
        let env = try CLI.run(["env", "--format", "json"])
        #expect(env.status == 0)
        let facts = try JSONDecoder().decode(EnvironmentFacts.self, from: env.stdout)
        #expect(facts.openSSL.libsslPath != nil)
        #expect(facts.toolVersion == ToolVersion.current)

        // The first line names the tool's version and the OpenSSL it loaded, as `env` measured it.
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        let first = try #require(version.output.split(separator: "\n").first.map(String.init), "\(version.transcript)")
        #expect(first.hasPrefix("tlsprobe \(ToolVersion.current) "), "\(first)")
        #expect(first.hasSuffix(facts.openSSL.runtimeVersionText), "\(first)")
    }

    /// What scripts/package builds workers for: `SONAME LINE`, one per soname this binary cannot load.
    @Test func runtimeWorkersNamesALinePerForeignSoname() throws {
        let run = try CLI.run(["runtime", "workers"])
        #expect(run.status == 0, "\(run.transcript)")
        let entries = run.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(!entries.isEmpty)
        for entry in entries {
            let line = try #require(entry.count == 2 ? OpenSSLLine(name: entry[1]) : nil, "\(entry)")
            #expect(line.libsslSoname == entry[0])
        }
        #expect(Set(entries.map { $0[0] }).count == entries.count, "one line per soname")
    }
}
