import Foundation
import MatrixModel
import TestSupport
import Testing

/// `tlsprobe gate`: one PASS/FAIL line per condition and the exit code a CI job acts on.
/// What a condition must say about the system runtime comes from what it measured.
@Suite struct GateCommandTests {
    @Test func theFixPassesTheDefaultGate() throws {
        let run = try CLI.run(["gate", "--require", "proxy-core"])
        #expect(run.status == 0, "\(run.output) \(run.stderr)")
        #expect(run.output.hasPrefix("PASS require proxy-core: "))
    }

    @Test func requiringTheLegacyDesignFailsWhereTheSocketBIOOwnsItsData() throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Repository.scratch("gate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gate.json").path
        let run = try CLI.run(["gate", "--require", "legacy-fastopen", "--runtime", trixie, "--format", "json", "--output", path])
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(report.runtimes.first?.openSSL?.socketBIOOwnsData == true, "the precondition: OpenSSL 3.5's socket BIO")
        #expect(run.status == 1, "\(run.stderr)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("FAIL require legacy-fastopen: ") == true, "\(lines)")
        #expect(lines.first?.contains("legacy-fastopen/tfo-off/ipv4 failed") == true)
        #expect(lines.last == "report: \(path) (json)")
    }

    @Test func requiringTheLegacyDesignOnTheSystemRuntime() throws {
        // The other way: where the socket BIO leaves its data pointer alone and the
        // kernel lets a client send data in the SYN, every legacy cell works.
        let folder = try Repository.scratch("gate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gate.json").path
        let run = try CLI.run(["gate", "--require", "legacy-fastopen", "--format", "json", "--output", path])
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        let owns = try #require(report.runtimes.first?.openSSL).socketBIOOwnsData
        let clientTFO = (report.environment.tcpFastopen ?? 0) & 1 != 0
        #expect(run.status == (!owns && clientTFO ? 0 : 1), "\(run.output)")
    }

    @Test func opensslRangeBothWays() throws {
        let openSSL = try CLI.systemOpenSSL.get()
        let atLeast32 = openSSL.runtimeMajor > 3 || (openSSL.runtimeMajor == 3 && openSSL.runtimeMinor >= 2)
        let from32 = try CLI.run(["gate", "--openssl-range", ">=3.2"])
        #expect(from32.status == (atLeast32 ? 0 : 1), "\(from32.output)")
        #expect(from32.output.contains("\(atLeast32 ? "PASS" : "FAIL") openssl-range '>=3.2': system has OpenSSL \(openSSL.runtimeVersion)"))
        let before32 = try CLI.run(["gate", "--openssl-range", ">=3.0, <3.2"])
        let in30or31 = openSSL.runtimeMajor == 3 && openSSL.runtimeMinor < 2
        #expect(before32.status == (in30or31 ? 0 : 1), "\(before32.output)")
    }

    @Test(arguments: ["~3", ">=3.x", ">=3.0,", "3.0"])
    func aMalformedRangeIsAUsageError(_ range: String) throws {
        let run = try CLI.run(["gate", "--openssl-range", range])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1)
        #expect(run.stderr.contains("expected comparisons joined by commas"), "\(run.stderr)")
    }

    @Test func failIfAffectedBothWays() throws {
        let sid = try Runtimes.fetch("sid")
        let folder = try Repository.scratch("gate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gate.json").path
        let affected = try CLI.run(["gate", "--fail-if-affected", "--runtime", "system", "--runtime", sid,
                                    "--format", "json", "--output", path])
        #expect(affected.status == 1, "\(affected.output)")
        // The line names each affected runtime with the version its worker measured.
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
        let sidOpenSSL = try #require(report.runtimes.first { $0.name == sid }?.openSSL)
        #expect(sidOpenSSL.socketBIOOwnsData, "the precondition: sid's OpenSSL 3.6 owns its data pointer")
        let line = try #require(affected.output.split(separator: "\n").map(String.init).first { $0.contains("fail-if-affected") },
                                "\(affected.output)")
        #expect(line.hasPrefix("FAIL fail-if-affected: legacy-fastopen reproduces the regression on "), "\(line)")
        for runtime in report.runtimes {
            let openSSL = try #require(runtime.openSSL, "\(runtime.name)")
            let named = line.contains("\(runtime.name) (OpenSSL \(openSSL.runtimeVersion)): ")
            #expect(named == openSSL.socketBIOOwnsData, "\(runtime.name) (OpenSSL \(openSSL.runtimeVersion)): \(line)")
        }

        let system = try CLI.run(["gate", "--fail-if-affected", "--mode", "proxy-core"])
        let owns = try CLI.systemOpenSSL.get().socketBIOOwnsData
        #expect(system.status == (owns ? 1 : 0), "\(system.output)")
        if !owns {
            #expect(system.output.contains("PASS fail-if-affected: "))
        }
    }

    @Test(arguments: [
        (["gate", "--require", "proxy-kore"], "fd, legacy-fastopen"),
        (["gate", "--format", "json", "--output", "-", "--output", "junit:-"], "two reports on stdout"),
        (["gate", "--fail-if-affected", "--tfo", "on"], "--tfo off or both"),
        (["gate", "--runtime", "/nonexistent/runtime"], "/nonexistent/runtime"),
    ])
    func usageAndRuntimeErrorsExitTwo(_ arguments: [String], _ mentioned: String) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains(mentioned), "\(run.stderr)")
    }
}
