import Foundation
import MatrixModel
import ProxyCore
import RunModel
import TestSupport
import Testing

/// `tlsprobe gate --run-report FILE`: a `tlsprobe run` JSON report as a condition of its own,
/// `run FILE`, beside a quick matrix (`--mode fd --family ipv4 --tfo off`). The reports are
/// synthetic (the command that writes them is `run`'s); what is under test is how the gate
/// reads and judges them, and how it refuses a file that is not one.
@Suite struct GateRunReportTests {
    /// The quick matrix every gate here runs besides its `run` condition.
    static let quick = ["gate", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--require", "fd"]

    static func environment() -> EnvironmentFacts {
        return EnvironmentFacts(toolVersion: "0.1.0", hostname: "ci-runner-1", kernelRelease: "6.1.0-42-amd64", tcpFastopen: 1,
                                ipv6Loopback: true, tcpFastOpenConnect: TFOConnectFact(state: .available), relevantCapabilities: [:],
                                openSSL: .current)
    }

    static func report(_ results: [ProgramRunResult]) -> RunReport {
        RunReport(generatedAt: "2026-05-01T12:00:00Z", toolVersion: "0.1.0", command: ["tlsprobe", "run", "--", "/usr/bin/curl"],
                  timeoutSeconds: 10, environment: environment(),
                  program: ProgramFacts(path: "/usr/bin/curl", arguments: ["https://{origin}/"], abi: "libssl.so.3"),
                  origin: nil, request: nil, results: results)
    }

    static let ok = ProgramRunResult(runtime: "system", outcome: .ok, verdict: "ok",
                                     writes: [ObservedWrite(pid: 7, fd: 5, call: "write", flags: 0, fastOpen: false, socketFamily: "ipv4",
                                                            result: 517, bytes: 517, peer: "127.0.0.1:8443")],
                                     exit: ProgramExit(status: 0))
    static let affected = ProgramRunResult(
        runtime: "trixie", outcome: .affected,
        verdict: "AFFECTED on OpenSSL 3.5.4: sendto(MSG_FASTOPEN) address length 0 → EINVAL; request → 502",
        writes: [ObservedWrite(pid: 8, fd: 5, call: "sendto", flags: 0x2000_0000, fastOpen: true, socketFamily: "ipv4", addressFamily: 0,
                               addressLength: 0, expectedAddressLength: 16, result: -1, errno: 22, errnoName: "EINVAL", bytes: 517)],
        exit: ProgramExit(status: 35))
    static let unsupported = ProgramRunResult(runtime: "experimental", abi: "libssl.so.4", outcome: .unsupported,
                                              verdict: "unsupported: the program loads libssl.so.3; experimental provides libssl.so.4")

    /// `reports` written as `run` writes its JSON, in a scratch folder; `body` gets their paths.
    func withReports(_ reports: [String: String], _ body: (URL) throws -> Void) throws {
        let folder = try Repository.scratch("gate-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in reports {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try body(folder)
    }

    @Test func aRunThatWasOkPassesAndOneAffectedFailsNamingItsVerdict() throws {
        try withReports(["ok.json": try JSONCoding.document(Self.report([Self.ok, Self.unsupported])),
                         "affected.json": try JSONCoding.document(Self.report([Self.ok, Self.affected]))]) { folder in
            let ok = folder.appendingPathComponent("ok.json").path
            let affected = folder.appendingPathComponent("affected.json").path
            let gateJSON = folder.appendingPathComponent("gate.json").path

            let passing = try CLI.run(Self.quick + ["--run-report", ok])
            #expect(passing.status == 0, "\(passing.output) \(passing.stderr)")
            #expect(passing.output.contains("PASS run \(ok): /usr/bin/curl ok on system; not run on experimental: unsupported: "), "\(passing.output)")

            let failing = try CLI.run(Self.quick + ["--run-report", ok, "--run-report", affected, "--output", "json:\(gateJSON)"])
            #expect(failing.status == 1, "\(failing.output) \(failing.stderr)")
            let lines = failing.output.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("PASS run \(ok): ") }, "\(lines)")
            #expect(lines.contains("FAIL run \(affected): /usr/bin/curl failed on 1 of 2 runtimes: trixie: \(Self.affected.verdict)"), "\(lines)")
            // The report the gate wrote carries the same verdicts and the exit code.
            let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: gateJSON)))
            let gate = try #require(report.gate)
            #expect(gate.exitCode == 1)
            #expect(gate.verdicts.map(\.condition) == ["require fd", "run \(ok)", "run \(affected)"])
            #expect(gate.verdicts.map(\.passed) == [true, true, false])
        }
    }

    @Test func aRunOnNoRuntimeFailsUnlessSkippedIsAllowed() throws {
        try withReports(["nothing.json": try JSONCoding.document(Self.report([Self.unsupported]))]) { folder in
            let path = folder.appendingPathComponent("nothing.json").path
            let strict = try CLI.run(Self.quick + ["--run-report", path])
            #expect(strict.status == 1, "\(strict.output) \(strict.stderr)")
            #expect(strict.output.contains("FAIL run \(path): /usr/bin/curl ran on no runtime (experimental: unsupported: "), "\(strict.output)")
            #expect(strict.output.contains("--allow-skipped accepts that"))
            let lenient = try CLI.run(Self.quick + ["--run-report", path, "--allow-skipped"])
            #expect(lenient.status == 0, "\(lenient.output) \(lenient.stderr)")
            #expect(lenient.output.contains("PASS run \(path): /usr/bin/curl ran on no runtime"), "\(lenient.output)")
        }
    }

    @Test(arguments: [
        ("malformed.json", #"{"kind": "run", "schemaVersion": "#, "malformed JSON"),
        ("matrix.json", #"{"schemaVersion": 9, "cells": [], "runtimes": []}"#, "a matrix report (tlsprobe matrix or gate --format json), not a run report"),
        ("audit.json", #"{"schemaVersion": 3, "skipped": {}, "readers": 2, "files": []}"#, "an audit report (tlsprobe audit --format json), not a run report"),
        ("future.json", #"{"kind": "run", "schemaVersion": 99}"#, "a run report with schemaVersion 99, not the one this tlsprobe"),
        ("incomplete.json", #"{"kind": "run", "schemaVersion": 1, "results": []}"#, "not a valid schemaVersion 1 run report: "),
    ])
    func aFileThatIsNoRunReportIsAUsageErrorBeforeAnyProbe(_ name: String, _ text: String, _ message: String) throws {
        try withReports([name: text]) { folder in
            let path = folder.appendingPathComponent(name).path
            let run = try CLI.run(Self.quick + ["--run-report", path])
            #expect(run.status == 2, "\(run.output) \(run.stderr)")
            #expect(run.stdout.isEmpty, "no condition judged: \(run.output)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(run.stderr)")
            #expect(run.stderr.hasPrefix("tlsprobe: --run-report \(path): "), "\(run.stderr)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
        }
    }

    @Test func aMissingRunReportIsAUsageError() throws {
        let run = try CLI.run(Self.quick + ["--run-report", "/nonexistent/run.json"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("tlsprobe: --run-report /nonexistent/run.json: cannot read: "), "\(run.stderr)")
    }

    @Test func mergeRefusesARunReportByName() throws {
        try withReports(["run.json": try JSONCoding.document(Self.report([Self.ok]))]) { folder in
            let path = folder.appendingPathComponent("run.json").path
            let run = try CLI.run(["merge", path])
            #expect(run.status == 2, "\(run.output) \(run.stderr)")
            #expect(run.stdout.isEmpty)
            #expect(run.stderr == "tlsprobe: refusing to merge: \(path) is a run report (tlsprobe run): run reports are not merged; gate on each with tlsprobe gate --run-report FILE\n")
        }
    }
}
