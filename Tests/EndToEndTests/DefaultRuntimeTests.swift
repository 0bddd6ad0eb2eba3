import Foundation
import MatrixModel
import TestSupport
import Testing

/// The first command a newcomer runs: `tlsprobe matrix` with no `--runtime`. Where the
/// host's own OpenSSL predates the 3.2 change (its socket BIO leaves the data pointer
/// alone, as the binary measures), it also probes OpenSSL 3.5 so the regression shows;
/// where the host's OpenSSL already has the change, the system alone shows it.
@Suite struct DefaultRuntimeTests {
    static let narrow = ["--mode", "fd", "--mode", "legacy-fastopen", "--tfo", "off", "--family", "ipv4", "--phase", "handshake",
                         "--format", "json"]

    @Test func aDefaultMatrixShowsTheRegressionWhateverTheHostsOpenSSL() throws {
        let system = try CLI.systemOpenSSL.get()
        let run = try CLI.run(["matrix"] + Self.narrow)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        if system.socketBIOOwnsData {
            #expect(report.runtimes.map(\.name) == ["system"])
            #expect(!run.stderr.contains("predates the 3.2 change"), "\(run.stderr)")
        } else {
            #expect(report.runtimes.map(\.name) == ["system", "trixie"], "\(run.stderr)")
            #expect(run.stderr.contains("this host's OpenSSL \(system.runtimeVersion) predates the 3.2 change"), "\(run.stderr)")
            #expect(run.stderr.contains("--runtime system probes only this host's"), "\(run.stderr)")
        }
        // Either way some runtime shows the regression: a legacy-fastopen TFO-off cell fails with address length 0.
        let affected = report.cells.filter { $0.mode == .legacyFastOpen && $0.outcome == .failed && $0.firstWrite?.addressLength == 0 }
        #expect(!affected.isEmpty, "\(report.cells.map { "\($0.runtime) \($0.name) \($0.outcome)" })")
    }

    @Test func runtimeSystemProbesOnlyTheSystem() throws {
        let run = try CLI.run(["matrix", "--runtime", "system"] + Self.narrow)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Report.decode(run.stdout).runtimes.map(\.name) == ["system"])
        #expect(!run.stderr.contains("predates"), "\(run.stderr)")
    }

    /// No mirror: one line says so, and the system's report stands with the exit code it has alone.
    @Test func whenTheFetchCannotBeMadeTheSystemsReportStands() throws {
        let system = try CLI.systemOpenSSL.get()
        let cache = try Repository.scratch("default-offline")
        defer { try? FileManager.default.removeItem(at: cache) }
        let run = try CLI.run(["matrix"] + Self.narrow,
                              environment: ["XDG_CACHE_HOME": cache.path, "TLSPROBE_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Report.decode(run.stdout).runtimes.map(\.name) == ["system"])
        let said = run.stderr.split(separator: "\n").filter { $0.contains("not probed") }
        if system.socketBIOOwnsData {
            #expect(said.isEmpty, "\(run.stderr)")
        } else {
            #expect(said.count == 1, "\(run.stderr)")
            #expect(said.first?.contains("OpenSSL 3.5 not probed: cannot fetch OpenSSL 3.5 (Debian trixie) from mirror http://127.0.0.1:9/debian") == true,
                    "\(run.stderr)")
        }
    }

    /// `gate` keeps the system library as its only default: a CI gate decides on what it names.
    @Test func gateProbesOnlyTheSystemByDefault() throws {
        let scratch = try Repository.scratch("gate-default")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("gate.json").path
        let run = try CLI.run(["gate", "--mode", "fd", "--family", "ipv4", "--format", "json", "--output", path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(report.runtimes.map(\.name) == ["system"])
    }
}
