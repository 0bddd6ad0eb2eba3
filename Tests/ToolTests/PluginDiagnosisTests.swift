import Foundation
@testable import Matrix
@testable import MatrixAnalysis
@testable import MatrixModel
import ProxyCore
import Testing

/// Plug-in cells in the diagnosis, the check hook's answer in a cell, several builds on the
/// worker's command line, and reports from before several builds: the model and analysis alone.
@Suite struct PluginDiagnosisTests {
    static let owning = DiagnosisTests.owning
    static let notOwning = DiagnosisTests.notOwning
    static let mode = BIOMode.plugin("mine")

    /// A plug-in cell that completed, with the check hook's answer recorded as the worker does.
    static func checked(_ status: Int32, message: String? = nil, phase: Phase = .handshake, on runtime: RuntimeSummary) -> CellResult {
        var cell = ReportFixture.ok(ReportFixture.cell(mode, .off, .ipv4, phase), runtime: runtime.name, milliseconds: 1)
        cell.plugin = PluginCellEvidence(build: "/p/mine-3.so", libssl: "libssl.so.3")
        cell.record(PluginCellEvidence.Check(status: status, message: message, after: "the handshake and echo, before SSL_free"))
        return cell
    }

    @Test func aNonZeroCheckFailsTheCellQuotingItsMessage() {
        let cell = Self.checked(1, message: "canary gone", on: Self.owning)
        #expect(cell.outcome == .failed)
        #expect(cell.reason == "tlsprobe_plugin_check returned 1 after the handshake and echo, before SSL_free: canary gone")
        #expect(cell.plugin?.check?.passed == false)
        let passed = Self.checked(0, on: Self.notOwning)
        #expect(passed.outcome == .ok && passed.reason == nil && passed.plugin?.check?.passed == true)
    }

    @Test func aDamagedStateIsAPluginFindingWhereTheSocketBIOOwnsItsPointer() throws {
        let cells = [Self.checked(1, message: "canary gone", on: Self.owning), Self.checked(1, message: "canary gone", on: Self.notOwning)]
        let findings = Diagnosis.findings(runtimes: [Self.owning, Self.notOwning], cells: cells)
        let finding = try #require(findings.first)
        #expect(findings.count == 1, "none where the socket BIO leaves the pointer alone: \(findings)")
        #expect(finding.runtime == Self.owning.name && finding.mechanism == .recordOverwritten && finding.plugin == Self.mode)
        #expect(finding.explanation.contains("\"canary gone\"") && finding.evidence == ["plugin:mine/tfo-off/ipv4"])
        let group = try #require(FindingGroup.groups(findings).first)
        #expect(group.plugin == Self.mode && group.headline.hasPrefix("plugin:mine: "))
        #expect(group.advice.contains("On \(Self.owning.name)") && group.advice.contains("ex_data") && group.advice.contains("SSL_set_fd"))
        // The verdict's reproduced designs never count a plug-in's findings.
        let report = Report(command: ["tlsprobe"], timeoutSeconds: 5, environment: ReportFixture.environment(),
                            runtimes: [Self.owning], cells: [cells[0]])
        #expect(report.diagnosis.count == 1)
        #expect(report.verdictLines?.contains { $0.hasPrefix("plug-in mine (plugin:mine): AFFECTED") } == true, "\(report.verdictLines ?? [])")
    }

    @Test func addressLengthZeroAndABadFreeCrashAreTheirMechanisms() throws {
        var zero = ReportFixture.ok(ReportFixture.cell(Self.mode, .off, .ipv4), runtime: Self.owning.name, milliseconds: 1)
        zero.outcome = .failed
        zero.reason = "handshake: sendto failed"
        zero.firstWrite = ReportFixture.write(.ipv4, sendto: 0, result: -1, errno: 22)
        var crash = CellResult(ReportFixture.cell(Self.mode, .on, .ipv4, .teardown), runtime: Self.owning.name, kernelTFO: 1, outcome: .crashed,
                               reason: "the worker died of SIGABRT: free(): invalid pointer")
        crash.signal = "SIGABRT"
        let findings = Diagnosis.findings(runtimes: [Self.owning], cells: [zero, crash])
        #expect(findings.map(\.mechanism) == [.dataPointerRegression, .pointerOverwritten], "\(findings)")
        #expect(findings.allSatisfy { $0.plugin == Self.mode })
        #expect(findings.first?.explanation.contains("EINVAL") == true)
        #expect(findings.last?.evidence == ["plugin:mine/tfo-on/ipv4/teardown"])
    }

    @Test func severalBuildsTravelToTheWorkerAsOnePlugin() throws {
        let spec = BIOPluginSpec(name: "mine", path: "/p", builds: [.init(path: "/p/a.so", libssl: "libssl.so.1.1"), .init(path: "/p/b.so", libssl: "libssl.so.3")])
        let configuration = WorkerConfiguration(runtimeName: "system", cells: [], timeout: 5, parent: 9, plugins: [spec])
        #expect(configuration.arguments.suffix(4) == ["--bio-plugin", "mine=/p/a.so", "--bio-plugin", "mine=/p/b.so"])
        let read = try WorkerConfiguration(arguments: configuration.arguments)
        #expect(read.plugins.count == 1)
        #expect(read.plugins.first?.files.map(\.path) == ["/p/a.so", "/p/b.so"] && read.plugins.first?.choosesByABI == true)
    }

    @Test func aReportFromBeforeSeveralBuildsStillDecodes() throws {
        let old = #"{"name":"ats","path":"/x/ats.so","auditClass":"affected-pattern"}"#
        let spec = try JSONDecoder().decode(BIOPluginSpec.self, from: Data(old.utf8))
        #expect(spec.builds == nil && spec.files == [BIOPluginSpec.Build(path: "/x/ats.so")] && !spec.choosesByABI)
    }
}
