import Foundation
import MatrixAnalysis
import MatrixModel
import Testing
import ToolCore

/// The bug class beyond ATS's own design, and the fix without deprecated API, on the
/// shared three-runtime run (`Runtimes.matrix`): ATS PR 11501's first revision
/// (`nulled-fastopen`), PostgreSQL ≤ 16.1's record in BIO data (`appdata-pointer`),
/// and the fast-open filter over OpenSSL's socket BIO (`filter-fastopen`). What a
/// runtime's cells must do follows from what its worker measured (`socketBIOOwnsData`).
@Suite struct BugClassTests {
    /// A cell that may be skipped: only an IPv6 cell where this host has no IPv6 loopback.
    static func skippable(_ cell: CellResult, _ report: Report) -> Bool {
        cell.family == .ipv6 && !report.environment.ipv6Loopback
    }

    static func owning(_ report: Report) -> [RuntimeSummary] {
        report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == true }
    }

    static func leaving(_ report: Report) -> [RuntimeSummary] {
        report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == false }
    }

    /// Where the socket BIO owns its data pointer, `BIO_set_conn_address(bio, NULL)` with TFO
    /// off stops the EINVAL (the handshake completes with a plain write) and leaks the struct
    /// whose pointer the NULL replaced: the cell is `failed` for the leak alone.
    @Test func nulledFastOpenCompletesTFOOffHandshakesAndLeaksOpenSSLsStruct() throws {
        let report = try Runtimes.report.get()
        let owning = Self.owning(report)
        #expect(owning.count >= 2, "at least the fetched 3.5 and 3.6")
        for runtime in owning {
            let nulled = report.cells(of: runtime).filter { $0.mode == .nulledFastOpen && $0.tfo == .off }
            #expect(nulled.map(\.phase).sorted { $0.rawValue < $1.rawValue } == [.handshake, .handshake, .teardown, .teardown],
                    "\(runtime.name)")
            for cell in nulled {
                if cell.outcome == .skipped, Self.skippable(cell, report) { continue }
                let name = "\(runtime.name) \(cell.name)"
                #expect(cell.outcome == .failed, "\(name): \(cell.outcome.rawValue)")
                let memory = try #require(cell.memory, "\(name) was not accounted")
                #expect(memory.leakedAllocations >= 1, "\(name): \(memory)")
                #expect(memory.foreignFrees == 0, "\(name): \(memory)")
                #expect(cell.reason?.contains("leaked") == true, "\(name): \(cell.reason ?? "")")
                guard cell.phase == .handshake else { continue }
                #expect(cell.tlsVersion == "TLSv1.3", "\(name): the handshake completed")
                #expect(cell.firstWrite?.syscall == .write, "\(name): no sendto with OpenSSL's struct")
                #expect(cell.firstWrite?.result ?? -1 > 0, "\(name)")
            }
            let finding = try #require(report.diagnosis.first { $0.runtime == runtime.name && $0.mechanism == .pointerNulled },
                                       "\(runtime.name)")
            let evidence = nulled.filter { ($0.memory?.leakedAllocations ?? 0) > 0 }.map(\.name)
            #expect(Set(evidence).isSubset(of: Set(finding.evidence)), "\(runtime.name): \(finding.evidence)")
        }
    }

    /// Where the socket BIO owns its data pointer, its ctrl writes into the application's
    /// record at `BIO_set_fd` (its first option fields gone, its socket, further in, kept) and
    /// its destroy frees the record: a foreign free, counted by the worker's accounting, in
    /// both phases. AppDataPointerTests looks at the fields and bytes on 3.5.
    @Test func appDataPointerRecordIsWrittenIntoAndFreedByOpenSSL() throws {
        let report = try Runtimes.report.get()
        let owning = Self.owning(report)
        #expect(owning.count >= 2, "at least the fetched 3.5 and 3.6")
        for runtime in owning {
            let cells = report.cells(of: runtime).filter { $0.mode == .appDataPointer }
            #expect(cells.map(\.cell) == MatrixPlan(modes: [.appDataPointer]).cells, "\(runtime.name)")
            for cell in cells {
                if cell.outcome == .skipped, Self.skippable(cell, report) { continue }
                let name = "\(runtime.name) \(cell.name)"
                #expect(cell.outcome == .failed, "\(name): \(cell.outcome.rawValue)")
                let record = try #require(cell.applicationRecord, "\(name) has no record check")
                #expect(record.checkedAfter == "BIO_set_fd")
                #expect(!record.patternIntact, "\(name): \(record.detail)")
                #expect(record.fileDescriptorIntact, "\(name): the socket lies past OpenSSL's struct: \(record.detail)")
                #expect(record.overwrittenFields?.first == "pghost", "\(name): \(record.detail)")
                if cell.phase == .handshake { #expect(cell.tlsVersion != nil, "\(name): the handshake completed") }
                let memory = try #require(cell.memory, "\(name) was not accounted")
                #expect(memory.foreignFrees >= 1, "\(name): OpenSSL freed the record: \(memory)")
                #expect(cell.signal == nil)
            }
            let finding = try #require(report.diagnosis.first { $0.runtime == runtime.name && $0.mechanism == .recordOverwritten },
                                       "\(runtime.name)")
            #expect(Set(finding.evidence) == Set(cells.filter { $0.outcome != .skipped }.map(\.name)), "\(runtime.name)")
            #expect(finding.explanation.contains("OpenSSL wrote into the record"), "\(finding.explanation)")
        }
    }

    /// Where the socket BIO leaves its data pointer alone (before 3.2) both designs work and
    /// lose nothing. Only the system runtime can be such a one here.
    @Test(.enabled(if: (try? CLI.systemOpenSSL.get())?.socketBIOOwnsData == false,
                   "the system's OpenSSL owns the socket BIO's data pointer: no runtime here leaves it alone"))
    func bothWorkWhereTheSocketBIOLeavesItsDataAlone() throws {
        let report = try Runtimes.report.get()
        let clientBit = (report.environment.tcpFastopen ?? 0) & 1 != 0
        let leaving = Self.leaving(report)
        try #require(!leaving.isEmpty, "tlsprobe env says the system runtime leaves the data pointer alone; the matrix must agree")
        for runtime in leaving {
            let cells = report.cells(of: runtime).filter { $0.mode == .nulledFastOpen || $0.mode == .appDataPointer }
            #expect(!cells.isEmpty, "\(runtime.name)")
            // With TFO on the nulled design is the legacy one: MSG_FASTOPEN needs the client bit.
            for cell in cells where cell.outcome != .skipped && (cell.mode == .appDataPointer || cell.tfo == .off || clientBit) {
                let name = "\(runtime.name) \(cell.name)"
                #expect(cell.outcome == .ok, "\(name): \(cell.reason ?? "")")
                #expect(cell.memory?.isClean == true, "\(name): \(String(describing: cell.memory))")
                if cell.mode == .appDataPointer {
                    #expect(cell.applicationRecord?.intact == true, "\(name): \(cell.applicationRecord?.detail ?? "no check")")
                }
            }
            #expect(!report.diagnosis.contains { $0.runtime == runtime.name }, "\(runtime.name): \(report.diagnosis)")
        }
    }

    /// The fixes, forced one by one and as the policy picks them, work and lose nothing on
    /// every runtime and both families; the filter's TFO-on first write is the SYN's sendto.
    @Test func theFixesAreOkAndCleanOnEveryRuntime() throws {
        let report = try Runtimes.report.get()
        let clientBit = (report.environment.tcpFastopen ?? 0) & 1 != 0
        let fixes = BIOMode.allCases.filter { [.proxyCore, .filterFastOpen, .exDataFastOpen].contains($0) }
        #expect(report.runtimes.count == 3)
        for runtime in report.runtimes {
            let cells = report.cells(of: runtime).filter { fixes.contains($0.mode) }
            #expect(cells.map(\.cell) == MatrixPlan(modes: fixes).cells, "\(runtime.name)")
            for cell in cells {
                let name = "\(runtime.name) \(cell.name)"
                if cell.outcome == .skipped {
                    #expect(Self.skippable(cell, report), "\(name): \(cell.reason ?? "")")
                    continue
                }
                // MSG_FASTOPEN needs the client bit; the policy never uses it without.
                guard cell.tfo == .off || clientBit || cell.mode == .proxyCore else { continue }
                #expect(cell.outcome == .ok, "\(name): \(cell.reason ?? "")")
                #expect(cell.memory?.isClean == true, "\(name): \(String(describing: cell.memory))")
                guard cell.mode == .filterFastOpen, cell.phase == .handshake else { continue }
                let write = try #require(cell.firstWrite, "\(name)")
                // Seen at the libc boundary, and by the filter itself: the same call.
                #expect(write.observedBy == .libcBoundary, "\(name)")
                #expect(cell.bioFirstWrite?.observedBy == .fastOpenFilterBIO, "\(name)")
                if cell.tfo == .on {
                    #expect(write.syscall == .sendto && write.flags == ["MSG_FASTOPEN"], "\(name): \(write)")
                    #expect(write.addressLength == (cell.family == .ipv4 ? 16 : 28), "\(name): \(write)")
                } else {
                    #expect(write.syscall == .write && write.addressLength == nil, "\(name): \(write)")
                }
            }
        }
    }

    /// The verdict names every broken design the run probed, and where each is affected.
    @Test func theVerdictCoversEveryPattern() throws {
        let report = try Runtimes.report.get()
        let lines = report.verdictLines ?? []
        #expect(report.verdict.hasPrefix("AFFECTED: 4 of 4 designs on OpenSSL 3.5"), "\(report.verdict)")
        #expect(report.verdict.count <= Verdict.titleLimit)
        for label in ["ATS ≤ 9.2.4 fast-open BIO (legacy-fastopen): AFFECTED on OpenSSL 3.5",
                      "ATS PR 11501 first revision (nulled-fastopen): AFFECTED on OpenSSL 3.5",
                      "BIO_set_conn_address on a plain socket BIO (socket-conn-address): AFFECTED on OpenSSL 3.5",
                      "PostgreSQL ≤ 16.1 record in BIO data (appdata-pointer): AFFECTED on OpenSSL 3.5",
                      "tlsprobe's fix (proxy-core) and the other fixes it chooses from: ok on all 3 runtimes"] {
            #expect(lines.contains { $0.hasPrefix(label) }, "\(lines)")
        }
        let broken = lines.filter { $0.contains("AFFECTED") }
        for runtime in Self.owning(report) {
            let version = try #require(runtime.openSSL?.runtimeVersion)
            #expect(broken.filter { $0.contains("\(version) (\(PathShortener.shorten(runtime.name)))") }.count >= 4, "\(runtime.name): \(lines)")
        }
    }
}
