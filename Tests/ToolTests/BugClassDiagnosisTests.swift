import Foundation
@testable import MatrixAnalysis
@testable import MatrixModel
import ProxyCore
import ReportRendering
import Testing

/// The findings and verdict clauses of ATS PR 11501's first revision (`nulled-fastopen`) and
/// PostgreSQL ≤ 16.1's record in BIO data (`appdata-pointer`): each made from its own cells only.
@Suite struct BugClassDiagnosisTests {
    static let owning = DiagnosisTests.owning
    static let notOwning = DiagnosisTests.notOwning

    /// A nulled-fastopen cell whose connection completed and whose accounting found `leaked`.
    static func nulled(_ tfo: TFOSetting, _ phase: Phase = .handshake, leaked: Int, foreign: Int = 0,
                       on runtime: RuntimeSummary = owning) -> CellResult {
        var cell = ReportFixture.ok(ReportFixture.cell(.nulledFastOpen, tfo, .ipv4, phase), runtime: runtime.name, milliseconds: 1)
        if phase == .teardown {
            cell.firstWrite = nil
            cell.tlsVersion = nil
        }
        cell.record(MemoryEvidence(leakedAllocations: leaked, leakedBytes: leaked * 120, foreignFrees: foreign))
        return cell
    }

    /// The fields OpenSSL 3.5's `BIO_set_fd` zeroes at the start of the libpq-like record (bytes 0–115).
    static let zeroedFields = ["pghost", "pghostaddr", "pgport", "connect_timeout", "pgtcp_user_timeout", "client_encoding_initial",
                               "pgoptions", "appname", "fbappname", "dbName", "replication", "pguser", "pgpass", "pgpassfile",
                               "channel_binding"]

    /// An appdata-pointer cell as the worker records it: its record check, then its accounting
    /// (`record(_:)` folds both into the outcome). Written into, the record lost its first fields
    /// and kept its socket, so the handshake completed.
    static func appData(intact: Bool, foreign: Int, leaked: Int = 1, phase: Phase = .handshake,
                        on runtime: RuntimeSummary = owning) -> CellResult {
        var cell = ReportFixture.ok(ReportFixture.cell(.appDataPointer, .off, .ipv4, phase), runtime: runtime.name, milliseconds: 1)
        if phase == .teardown {
            cell.firstWrite = nil
            cell.tlsVersion = nil
        }
        cell.applicationRecord = ApplicationRecordEvidence(
            checkedAfter: "BIO_set_fd", patternIntact: intact, fileDescriptorIntact: true, fileDescriptorOffset: 256,
            overwrittenFields: intact ? [] : zeroedFields, overwrittenBytes: intact ? nil : .init(offset: 0, length: 116),
            detail: intact ? "after BIO_set_fd the record reads as written: its 24 option fields, the socket at offset 256 reads 7 as written and the canary"
                           : "after BIO_set_fd bytes 0–115 of the record differ from what the application wrote: pghost, pghostaddr, pgport, connect_timeout, pgtcp_user_timeout, client_encoding_initial, pgoptions, appname, fbappname, dbName, replication, pguser, pgpass, pgpassfile zeroed, channel_binding reads 0x0000555500000000 (written 0x000055558e52321f), the other 9 option fields as written, from keepalives at offset 120; the socket at offset 256 reads 7 as written")
        cell.record(MemoryEvidence(leakedAllocations: leaked, leakedBytes: leaked * 120, foreignFrees: foreign))
        return cell
    }

    // MARK: nulled-fastopen

    @Test func aTFOOffLeakGivesThePointerNulledFinding() throws {
        let cells = [Self.nulled(.off, leaked: 1), Self.nulled(.off, .teardown, leaked: 1), Self.nulled(.on, .teardown, leaked: 1, foreign: 1)]
        let findings = Diagnosis.findings(runtimes: [Self.owning], cells: cells)
        try #require(findings.count == 1)
        let finding = findings[0]
        #expect(finding.mechanism == .pointerNulled)
        #expect(finding.title == "NULL conn address (ATS PR 11501 r1) leaks OpenSSL's socket-BIO struct on TFO-off connections on OpenSSL 3.5.9")
        #expect(finding.evidence == ["nulled-fastopen/tfo-off/ipv4", "nulled-fastopen/tfo-off/ipv4/teardown",
                                    "nulled-fastopen/tfo-on/ipv4/teardown"])
        #expect(finding.explanation.contains("The handshake itself completes (first write: write)"))
        #expect(finding.explanation.contains("frees the application's address"))
        #expect(cells[0].outcome == .failed && cells[0].reason?.contains("leaked") == true, "the leak alone fails the cell")
    }

    enum NotNulled: String, CaseIterable, Sendable {
        /// OpenSSL 3.0: nothing to replace, nothing leaks; even a leak there is not this mechanism.
        case notOwningRuntime
        /// The legacy design's leak is its own finding.
        case legacyCell
        /// Only TFO-on cells leak: that is the legacy behaviour, not the NULL's.
        case tfoOnOnly
        case clean

        var cells: [CellResult] {
            switch self {
            case .notOwningRuntime: [BugClassDiagnosisTests.nulled(.off, leaked: 1, on: BugClassDiagnosisTests.notOwning)]
            case .legacyCell:
                [{ var cell = BugClassDiagnosisTests.nulled(.off, leaked: 1); cell.mode = .legacyFastOpen; return cell }()]
            case .tfoOnOnly: [BugClassDiagnosisTests.nulled(.on, leaked: 2)]
            case .clean: [BugClassDiagnosisTests.nulled(.off, leaked: 0), BugClassDiagnosisTests.nulled(.on, leaked: 0)]
            }
        }
    }

    @Test(arguments: NotNulled.allCases)
    func noPointerNulledFindingWithoutItsEvidence(_ variant: NotNulled) {
        let runtimes = [Self.owning, Self.notOwning]
        #expect(!Diagnosis.findings(runtimes: runtimes, cells: variant.cells).contains { $0.mechanism == .pointerNulled })
    }

    // MARK: appdata-pointer

    @Test(arguments: [(false, 1), (false, 0), (true, 1)])
    func aWrittenOrFreedRecordGivesTheRecordFinding(_ intact: Bool, _ foreign: Int) throws {
        let findings = Diagnosis.findings(runtimes: [Self.owning], cells: [Self.appData(intact: intact, foreign: foreign)])
        try #require(findings.count == 1)
        let finding = findings[0]
        #expect(finding.mechanism == .recordOverwritten)
        #expect(finding.evidence == ["appdata-pointer/tfo-off/ipv4"])
        let verb = [intact ? nil : "writes into", foreign > 0 ? "frees" : nil].compactMap { $0 }.joined(separator: " and ")
        #expect(finding.title == "OpenSSL \(verb) the application's record kept in BIO data on OpenSSL 3.5.9")
        #expect(finding.explanation.contains("OpenSSL wrote into the record right after BIO_set_fd, over bytes 0–115") == !intact)
        #expect(finding.explanation.contains(Self.zeroedFields.joined(separator: ", ")) == !intact, "every overwritten field, by name")
        #expect(finding.explanation.contains("The socket at offset 256 survived, so the handshake completed") == !intact)
        #expect(finding.explanation.contains("freed the record") == (foreign > 0))
        #expect(finding.explanation.contains(ApplicationRecordEvidence.doubleFree) == (foreign > 0))
        #expect(!finding.explanation.contains("(written 0x"), "the explanation is the same on every runtime; values stay in the cells")
    }

    /// What the worker makes of a 3.5 cell: its handshake completed, and the record's overwritten
    /// fields and OpenSSL's free of it (the double free to come) fail it; on 3.0 nothing does.
    @Test func aWrittenRecordFailsTheCellNamingItsFieldsAndTheDoubleFree() throws {
        let written = Self.appData(intact: false, foreign: 1)
        #expect(written.outcome == .failed)
        #expect(written.tlsVersion != nil, "the handshake completed")
        let reason = try #require(written.reason)
        #expect(reason.hasPrefix("OpenSSL wrote into the application's record at BIO_set_fd: bytes 0–115 (15 fields, pghost to channel_binding); the socket at offset 256 survived"), "\(reason)")
        #expect(reason.contains("OpenSSL freed 1 pointer(s) it never allocated (the record): \(ApplicationRecordEvidence.doubleFree)"), "\(reason)")
        #expect(reason.hasSuffix("1 OpenSSL allocation(s) (120 bytes) leaked"), "\(reason)")
        // Written into, never freed (no accounting of a free): the record alone fails the cell.
        let notFreed = Self.appData(intact: false, foreign: 0, leaked: 0)
        #expect(notFreed.outcome == .failed && notFreed.reason?.contains("pghost to channel_binding") == true, "\(notFreed.reason ?? "")")
        let clean = Self.appData(intact: true, foreign: 0, leaked: 0, on: Self.notOwning)
        #expect(clean.outcome == .ok && clean.reason == nil)
    }

    /// A record that lost its socket too (an OpenSSL whose struct reached it): no handshake to speak of.
    @Test func aRecordThatLostItsSocketSaysSo() throws {
        var cell = Self.appData(intact: false, foreign: 0, leaked: 0, phase: .teardown)
        cell.applicationRecord?.fileDescriptorIntact = false
        let finding = try #require(Diagnosis.findings(runtimes: [Self.owning], cells: [cell]).first)
        #expect(finding.explanation.contains("the record no longer held the connection's descriptor"), "\(finding.explanation)")
        #expect(!finding.explanation.contains("handshake completed"))
        #expect(cell.applicationRecord?.overwriteSummary?.hasSuffix("the socket at offset 256 was overwritten too") == true)
    }

    @Test func anIntactRecordThatOpenSSLNeverFreedGivesNoFinding() {
        let cells = [Self.appData(intact: true, foreign: 0, leaked: 0, on: Self.notOwning)]
        #expect(Diagnosis.findings(runtimes: [Self.notOwning], cells: cells) == [])
        #expect(cells[0].outcome == .ok)
    }

    /// A bug report and a CI dashboard carry the record's evidence: every field OpenSSL wrote
    /// over, and the double free the application meets next.
    @Test func theRenderedEvidenceNamesTheFieldsAndTheDoubleFree() {
        let cells = [Self.appData(intact: false, foreign: 1)]
        let report = Report(command: ["tlsprobe", "matrix", "--mode", "appdata-pointer"], timeoutSeconds: 5,
                            environment: ReportFixture.environment(hostname: "ci-runner-1"),
                            runtimes: [Self.owning], cells: cells, generatedAt: ReportFixture.date)
        for rendered in [MarkdownRenderer().render(report), JUnitRenderer().render(report)] {
            #expect(rendered.contains("application record fields overwritten: \(Self.zeroedFields.joined(separator: ", "))"))
            #expect(rendered.contains("application record freed by OpenSSL: \(ApplicationRecordEvidence.doubleFree)"))
        }
    }

    // MARK: The verdict

    /// The verdict line for `mode`'s design.
    private static func line(_ verdict: Verdict, _ mode: BIOMode) -> String {
        verdict.lines.first { $0.hasPrefix(DesignName.labelled(mode) + ":") } ?? "no line for \(mode.rawValue) in \(verdict.lines)"
    }

    @Test func theVerdictHasALineForEachPatternProbed() {
        let runtimes = [Self.notOwning, Self.owning]
        let cells = [Self.nulled(.off, leaked: 1), Self.nulled(.off, leaked: 0, on: Self.notOwning),
                     Self.appData(intact: false, foreign: 1), Self.appData(intact: true, foreign: 0, leaked: 0, on: Self.notOwning),
                     ReportFixture.ok(ReportFixture.cell(.proxyCore, .off, .ipv4), runtime: Self.owning.name, milliseconds: 1)]
        let verdict = Verdict(runtimes: runtimes, cells: cells, diagnosis: Diagnosis.findings(runtimes: runtimes, cells: cells))
        #expect(Self.line(verdict, .nulledFastOpen) == "ATS PR 11501 first revision (nulled-fastopen): AFFECTED on OpenSSL 3.5.9 (/srv/runtimes/trixie): OpenSSL's struct leaks on every TFO-off connection; ok on 3.0.19 (system)")
        #expect(Self.line(verdict, .appDataPointer).hasPrefix("PostgreSQL ≤ 16.1 record in BIO data (appdata-pointer): AFFECTED on OpenSSL 3.5.9 (/srv/runtimes/trixie): OpenSSL "), "\(verdict.lines)")
        #expect(Self.line(verdict, .appDataPointer).hasSuffix("then frees it: the program's own free is a double free; ok on 3.0.19 (system)"), "\(verdict.lines)")
        #expect(!verdict.lines.contains { $0.contains("legacy-fastopen") }, "no legacy cell was probed")
        #expect(verdict.title.hasPrefix("AFFECTED: 2 of 2 designs on "), "\(verdict.title)")
        #expect(verdict.title.count <= Verdict.titleLimit)
    }

    @Test func whereNoRuntimeIsAffectedTheLineSaysSo() {
        let cells = [Self.nulled(.off, leaked: 0, on: Self.notOwning), Self.appData(intact: true, foreign: 0, leaked: 0, on: Self.notOwning)]
        let verdict = Verdict(runtimes: [Self.notOwning], cells: cells, diagnosis: [])
        #expect(Self.line(verdict, .nulledFastOpen) == "ATS PR 11501 first revision (nulled-fastopen): ok on OpenSSL 3.0.19 (system)")
        #expect(Self.line(verdict, .appDataPointer) == "PostgreSQL ≤ 16.1 record in BIO data (appdata-pointer): ok on OpenSSL 3.0.19 (system)")
        #expect(verdict.title == "not affected: 2 designs ok on OpenSSL 3.0.19", "\(verdict.title)")
    }

    /// Without accounting (`--no-accounting`) a crash leaves no memory evidence: the line says
    /// what happened and that no mechanism was found, never "ok".
    @Test func aCrashWithoutEvidenceIsNeverOk() {
        var crashed = CellResult(ReportFixture.cell(.legacyFastOpen, .on, .ipv4, .teardown), runtime: Self.owning.name, kernelTFO: 1,
                                 outcome: .crashed, reason: "the worker died (SIGABRT) during the cell; it said: free(): invalid pointer")
        crashed.signal = "SIGABRT"
        var clean = ReportFixture.ok(ReportFixture.cell(.legacyFastOpen, .on, .ipv4, .teardown), runtime: Self.notOwning.name, milliseconds: 1)
        clean.firstWrite = nil
        let runtimes = [Self.notOwning, Self.owning]
        let verdict = Verdict(runtimes: runtimes, cells: [clean, crashed], diagnosis: [])
        #expect(Self.line(verdict, .legacyFastOpen) == "ATS ≤ 9.2.4 fast-open BIO (legacy-fastopen): crashed with SIGABRT on OpenSSL 3.5.9 (/srv/runtimes/trixie), no mechanism found; ok on 3.0.19 (system)")
        #expect(verdict.title.hasPrefix("AFFECTED: 1 of 1 design on OpenSSL 3.5.9"), "\(verdict.title)")
    }

    /// However many runtimes, the title fits a Markdown heading of 120 characters.
    @Test func theTitleFitsWhateverTheRuntimes() {
        let runtimes = (1...40).map { index in
            var runtime = Self.owning
            runtime.name = "/srv/some/long/folder/of/runtimes/number-\(index)"
            return runtime
        }
        let cells = runtimes.map { Self.appData(intact: false, foreign: 1, on: $0) }
        let verdict = Verdict(runtimes: runtimes, cells: cells, diagnosis: Diagnosis.findings(runtimes: runtimes, cells: cells))
        #expect(verdict.title.count <= Verdict.titleLimit, "\(verdict.title)")
        #expect(verdict.title.hasPrefix("AFFECTED: 1 of 1 design on OpenSSL 3.5.9"), "\(verdict.title)")
    }
}
