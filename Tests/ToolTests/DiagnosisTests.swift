import Foundation
@testable import MatrixAnalysis
@testable import MatrixModel
import ProxyCore
import Testing

/// `Diagnosis.findings`: a finding only where its evidence is in the cells, naming them.
@Suite struct DiagnosisTests {
    static let owning = ReportFixture.runtime("/srv/runtimes/trixie", ReportFixture.openSSL35())
    static let notOwning = ReportFixture.runtime("system", ReportFixture.openSSL30())

    static let dataPointerTitle = "Legacy fast-open BIO fails TFO-off connections on OpenSSL 3.5.9"
    static let trapTitle = "BIO_set_conn_address on a plain socket BIO does not connect on OpenSSL 3.5.9"
    static let leakSentence = "OpenSSL's struct is then never freed"
    static let foreignSentence = "memory OpenSSL never allocated"

    /// The regression as a 3.2+ worker records it: sendto(MSG_FASTOPEN) with address length 0, EINVAL.
    static func regression(_ family: AddressFamily = .ipv4, on runtime: RuntimeSummary = owning) -> CellResult {
        var cell = CellResult(ReportFixture.cell(.legacyFastOpen, .off, family), runtime: runtime.name, kernelTFO: 1,
                              outcome: .failed, reason: "handshake: system call failed with EINVAL")
        cell.firstWrite = ReportFixture.write(family, sendto: 0, result: -1, errno: EINVAL)
        cell.errno = .invalidArgument
        return cell
    }

    /// The trap: an unconnected socket written with plain write(), EPIPE.
    static func trap(on runtime: RuntimeSummary = owning) -> CellResult {
        var cell = CellResult(ReportFixture.cell(.socketConnAddress, .on, .ipv4), runtime: runtime.name, kernelTFO: 1,
                              outcome: .failed, reason: "handshake: write() on an unconnected socket")
        cell.firstWrite = ReportFixture.write(.ipv4, sendto: nil, result: -1, errno: EPIPE)
        return cell
    }

    static func legacy(_ tfo: TFOSetting, _ phase: Phase, leaked: Int, foreign: Int, on runtime: RuntimeSummary = owning) -> CellResult {
        var cell = ReportFixture.ok(ReportFixture.cell(.legacyFastOpen, tfo, .ipv4, phase), runtime: runtime.name, milliseconds: 1)
        if phase == .teardown { cell.firstWrite = nil }
        cell.record(MemoryEvidence(leakedAllocations: leaked, leakedBytes: leaked * 120, foreignFrees: foreign))
        return cell
    }

    // MARK: The data-pointer regression (TFO off)

    @Test func dataPointerFindingNeedsAnOwningRuntimeAndALengthZeroSendto() throws {
        let cells = [Self.regression(.ipv4), Self.regression(.ipv6)]
        let findings = Diagnosis.findings(runtimes: [Self.owning], cells: cells)
        try #require(findings.count == 1)
        let finding = findings[0]
        #expect(finding.runtime == "/srv/runtimes/trixie")
        #expect(finding.title == Self.dataPointerTitle)
        #expect(finding.evidence == ["legacy-fastopen/tfo-off/ipv4", "legacy-fastopen/tfo-off/ipv6"])
        #expect(finding.explanation.contains("passed address length 0 (expected 16 or 28) to sendto(MSG_FASTOPEN)"))
        #expect(finding.explanation.contains("the kernel answered EINVAL"))
        #expect(finding.fix.contains("SSL_set_fd"))
    }

    @Test func theSameCellOnARuntimeThatLeavesTheDataPointerAloneGivesNoFinding() {
        let cells = [Self.regression(.ipv4, on: Self.notOwning), Self.regression(.ipv6, on: Self.notOwning)]
        #expect(Diagnosis.findings(runtimes: [Self.notOwning], cells: cells) == [])
    }

    /// Cells that look like the regression but lack one piece of its evidence.
    enum NotTheRegression: String, CaseIterable, Sendable {
        case handshakeSucceeded, tfoOn, teardownPhase, correctAddressLength, plainWrite, noFirstWrite, anotherMode, timedOut

        var cell: CellResult {
            var cell = DiagnosisTests.regression()
            switch self {
            case .handshakeSucceeded: cell.outcome = .ok
            case .tfoOn: cell.tfo = .on
            case .teardownPhase: cell.phase = .teardown
            case .correctAddressLength: cell.firstWrite?.addressLength = 16
            case .plainWrite: cell.firstWrite = ReportFixture.write(.ipv4, sendto: nil, result: -1, errno: EINVAL)
            case .noFirstWrite: cell.firstWrite = nil
            case .anotherMode: cell.mode = .exDataFastOpen
            case .timedOut: cell.outcome = .timeout
            }
            return cell
        }
    }

    @Test(arguments: NotTheRegression.allCases)
    func noDataPointerFindingWithoutAllOfItsEvidence(_ variant: NotTheRegression) {
        #expect(Diagnosis.findings(runtimes: [Self.owning], cells: [variant.cell]) == [])
    }

    @Test func aCellInAPrivateNamespaceIsNamedWithItsKernelTFO() throws {
        var cell = Self.regression()
        cell.privateNamespace = true
        cell.kernelTFO = 3
        let finding = try #require(Diagnosis.findings(runtimes: [Self.owning], cells: [cell]).first)
        #expect(finding.evidence == ["legacy-fastopen/tfo-off/ipv4/kernel-tfo-3"])
    }

    // MARK: OpenSSL's pointer overwritten: leak and foreign free

    @Test(arguments: [(1, 0), (0, 1), (2, 1)])
    func memoryEvidenceOfALegacyCellGivesThePointerFinding(_ leaked: Int, _ foreign: Int) throws {
        let cells = [Self.legacy(.on, .teardown, leaked: leaked, foreign: foreign),
                     Self.legacy(.on, .handshake, leaked: 0, foreign: 0)]
        let findings = Diagnosis.findings(runtimes: [Self.owning], cells: cells)
        try #require(findings.count == 1)
        let finding = findings[0]
        #expect(finding.runtime == "/srv/runtimes/trixie")
        #expect(finding.evidence == ["legacy-fastopen/tfo-on/ipv4/teardown"], "the clean cell is no evidence")
        if foreign > 0 {
            #expect(finding.title == "Legacy fast-open BIO leaks and makes OpenSSL free foreign memory on OpenSSL 3.5.9")
        } else {
            #expect(finding.title == "Legacy fast-open BIO leaks OpenSSL's socket-BIO struct on OpenSSL 3.5.9")
        }
        #expect(finding.explanation.contains(Self.leakSentence) == (leaked > 0))
        #expect(finding.explanation.contains(Self.foreignSentence) == (foreign > 0))
    }

    @Test func memoryEvidenceCountsOnlyOnAnOwningRuntimeAndOnlyForTheLegacyBIO() {
        let notOwning = [Self.legacy(.on, .teardown, leaked: 1, foreign: 1, on: Self.notOwning)]
        #expect(Diagnosis.findings(runtimes: [Self.notOwning], cells: notOwning) == [])

        var exData = Self.legacy(.on, .teardown, leaked: 1, foreign: 1)
        exData.mode = .exDataFastOpen
        #expect(Diagnosis.findings(runtimes: [Self.owning], cells: [exData]) == [])

        let clean = [Self.legacy(.on, .teardown, leaked: 0, foreign: 0), Self.legacy(.off, .handshake, leaked: 0, foreign: 0)]
        #expect(Diagnosis.findings(runtimes: [Self.owning], cells: clean) == [])
    }

    // MARK: The migration trap (socket-conn-address)

    @Test func migrationTrapFromAFailedPlainWrite() throws {
        let findings = Diagnosis.findings(runtimes: [Self.owning], cells: [Self.trap()])
        try #require(findings.count == 1)
        #expect(findings[0].runtime == "/srv/runtimes/trixie")
        #expect(findings[0].title == Self.trapTitle)
        #expect(findings[0].evidence == ["socket-conn-address/tfo-on/ipv4"])
        #expect(findings[0].explanation.contains("failed with EPIPE"))
        #expect(findings[0].fix.contains("TCP_FASTOPEN_CONNECT"))
    }

    enum NotTheTrap: String, CaseIterable, Sendable {
        /// 3.0 refuses BIO_set_conn_address on a socket BIO.
        case unsupported, tfoOff, sendtoFirstWrite, noFirstWrite, succeeded, anotherMode

        var cell: CellResult {
            var cell = DiagnosisTests.trap()
            switch self {
            case .unsupported:
                cell.outcome = .unsupported
                cell.firstWrite = nil
            case .tfoOff: cell.tfo = .off
            case .sendtoFirstWrite: cell.firstWrite = ReportFixture.write(.ipv4, sendto: 16, result: -1, errno: EPIPE)
            case .noFirstWrite: cell.firstWrite = nil
            case .succeeded: cell.outcome = .ok
            case .anotherMode: cell.mode = .fd
            }
            return cell
        }
    }

    @Test(arguments: NotTheTrap.allCases)
    func noMigrationTrapFindingWithoutAllOfItsEvidence(_ variant: NotTheTrap) {
        #expect(Diagnosis.findings(runtimes: [Self.owning], cells: [variant.cell]) == [])
    }

    // MARK: Whose evidence

    @Test func anAllOkMatrixGivesNoFinding() {
        for runtime in [Self.owning, Self.notOwning] {
            let cells = MatrixPlan().cells.map { ReportFixture.ok($0, runtime: runtime.name, milliseconds: 1) }
            #expect(Set(cells.map(\.mode)) == Set(BIOMode.allCases), "every mode, the reproductions too")
            #expect(Diagnosis.findings(runtimes: [runtime], cells: cells) == [], "\(runtime.name)")
        }
        let clean = ReportFixture.cleanReport(hostname: "a")
        #expect(Diagnosis.findings(runtimes: clean.runtimes, cells: clean.cells) == [])
    }

    @Test func evidenceCountsOnlyForItsOwnRuntime() {
        var other = Self.owning
        other.name = "/srv/runtimes/sid"
        let cells = [Self.regression(on: other), Self.trap(on: other), Self.legacy(.on, .teardown, leaked: 1, foreign: 1, on: other)]
        #expect(Diagnosis.findings(runtimes: [Self.owning], cells: cells) == [])
        #expect(Diagnosis.findings(runtimes: [Self.owning, other], cells: cells).map(\.runtime) == Array(repeating: other.name, count: 3))
    }

    @Test func aRuntimeThatNeverLoadedGivesNoFinding() {
        var broken = Self.owning
        broken.openSSL = nil
        broken.error = "no such folder"
        let cells = [Self.regression(on: broken), Self.trap(on: broken), Self.legacy(.on, .teardown, leaked: 1, foreign: 1, on: broken)]
        #expect(Diagnosis.findings(runtimes: [broken], cells: cells) == [])
    }

    @Test func theFixtureReportGivesAllThreeFindingsOnItsOpenSSL35RuntimeOnly() {
        let report = ReportFixture.report()
        let findings = Diagnosis.findings(runtimes: report.runtimes, cells: report.cells)
        #expect(findings.map(\.runtime) == Array(repeating: "/srv/runtimes/trixie", count: 3))
        #expect(findings.map(\.title) == [Self.dataPointerTitle,
                                          "Legacy fast-open BIO leaks and makes OpenSSL free foreign memory on OpenSSL 3.5.9",
                                          Self.trapTitle])
        #expect(findings.map(\.evidence) == [["legacy-fastopen/tfo-off/ipv4"],
                                             ["legacy-fastopen/tfo-off/ipv4", "legacy-fastopen/tfo-on/ipv4/teardown"],
                                             ["socket-conn-address/tfo-on/ipv4"]])
        #expect(report.diagnosis == findings)
    }
}
