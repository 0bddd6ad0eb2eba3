import Foundation
@testable import MatrixAnalysis
@testable import MatrixModel
import Testing

@Suite struct GateTests {
    let report = ReportFixture.report()

    func verdict(_ gate: Gate, on report: Report? = nil) throws -> GateVerdict {
        let verdicts = gate.evaluate(report ?? self.report)
        try #require(verdicts.count == 1)
        return verdicts[0]
    }

    @Test func requireCountsSkippedOnlyWhenStrict() throws {
        // proxy-core: ok everywhere it ran, one cell skipped (no IPv6 loopback).
        let lenient = try verdict(Gate(requiredModes: [.proxyCore]))
        #expect(lenient.passed, "\(lenient.detail)")
        #expect(lenient.detail.contains("1 skipped"))
        let strict = try verdict(Gate(requiredModes: [.proxyCore], strict: true))
        #expect(!strict.passed)
        #expect(strict.detail.contains("proxy-core/tfo-off/ipv6 skipped"))
    }

    @Test func requireFailsOnFailuresAndOnUnsupported() throws {
        let legacy = try verdict(Gate(requiredModes: [.legacyFastOpen]))
        #expect(!legacy.passed)
        #expect(legacy.condition == "require legacy-fastopen")
        #expect(legacy.detail.contains("[/srv/runtimes/trixie] legacy-fastopen/tfo-off/ipv4 failed"))
        // Only unsupported cells on 3.0 (the 3.5 cell timed out): unsupported fails a requirement.
        let native = try verdict(Gate(requiredModes: [.nativeTFO]))
        #expect(!native.passed)
        #expect(native.detail.contains("[system] native-tfo/tfo-on/ipv4 unsupported"))
        let fd = try verdict(Gate(requiredModes: [.fd]))
        #expect(fd.passed, "\(fd.detail)")
    }

    @Test func requireFailsWithoutEvidence() throws {
        let none = try verdict(Gate(requiredModes: [.fastOpenConnect]))
        #expect(!none.passed)
        #expect(none.detail == "no fastopen-connect cell was probed")
    }

    @Test func opensslRangeBothWays() throws {
        let wide = try verdict(Gate(requiredModes: [], openSSLRange: VersionRange(">=3.0, <3.6")))
        #expect(wide.passed, "\(wide.detail)")
        let modern = try verdict(Gate(requiredModes: [], openSSLRange: VersionRange(">=3.2")))
        #expect(!modern.passed)
        #expect(modern.condition == "openssl-range '>=3.2'")
        #expect(modern.detail == "system has OpenSSL 3.0.19, outside the range")
        let old = try verdict(Gate(requiredModes: [], openSSLRange: VersionRange("==3.0")))
        #expect(!old.passed)
        #expect(old.detail.contains("/srv/runtimes/trixie has OpenSSL 3.5.9"))
    }

    @Test func failIfAffectedUsesTheDiagnosisEvidence() throws {
        let affected = try verdict(Gate(requiredModes: [], failIfAffected: true))
        #expect(!affected.passed)
        #expect(affected.detail.contains("/srv/runtimes/trixie (OpenSSL 3.5.9): legacy-fastopen/tfo-off/ipv4"))

        let clean = try verdict(Gate(requiredModes: [], failIfAffected: true), on: ReportFixture.cleanReport(hostname: "a"))
        #expect(clean.passed, "\(clean.detail)")
        #expect(clean.detail.contains("system (OpenSSL 3.0.19)"))
    }

    @Test func failIfAffectedCannotPassWhenTheLegacyCellsDidNotRun() throws {
        var report = ReportFixture.cleanReport(hostname: "a")
        report.cells = report.cells.map { cell in
            guard cell.mode == .legacyFastOpen else { return cell }
            return CellResult(cell.cell, runtime: cell.runtime, kernelTFO: 1, outcome: .skipped, reason: "not here")
        }
        let verdict = try verdict(Gate(requiredModes: [], failIfAffected: true), on: report)
        #expect(!verdict.passed)
        #expect(verdict.detail.contains("cannot tell on system"))
    }

    @Test func aGateProbesTheModesItsConditionsNeed() {
        #expect(Gate(requiredModes: [.fd], failIfAffected: true).modesNeeded == [.fd, .legacyFastOpen])
        #expect(Gate().modesNeeded == [.proxyCore])
        #expect(Gate(requiredModes: [.fd, .proxyCore], openSSLRange: nil).evaluate(report).map(\.condition)
                == ["require fd", "require proxy-core"])
    }
}
