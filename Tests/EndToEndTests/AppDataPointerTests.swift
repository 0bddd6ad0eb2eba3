import Foundation
import MatrixModel
import TestSupport
import Testing

/// PostgreSQL ≤ 16.1's record in BIO data (`appdata-pointer`) as it really failed, on the
/// system's OpenSSL and Debian trixie's 3.5: the record, libpq-like, keeps its socket far
/// from the start, so OpenSSL 3.5's `BIO_set_fd` zeroes its first option pointers (named in
/// the evidence), the handshake completes, and the destroy frees the record, which the
/// application would free again. One small run of that mode alone, its JSON checked against
/// the schema.
@Suite struct AppDataPointerTests {
    /// The fields OpenSSL 3.2+'s `BIO_set_fd` covers: its 120-byte struct's `BIO_ADDR` (112 bytes,
    /// zeroed) and `tfo_first` (4 bytes): fourteen pointers and the low half of a fifteenth.
    static let zeroedFields = ["pghost", "pghostaddr", "pgport", "connect_timeout", "pgtcp_user_timeout", "client_encoding_initial",
                               "pgoptions", "appname", "fbappname", "dbName", "replication", "pguser", "pgpass", "pgpassfile",
                               "channel_binding"]

    static let run: Result<Report, any Error> = Result {
        let folder = try Repository.scratch("appdata")
        let file = folder.appendingPathComponent("report.json").path
        let arguments = ["matrix", "--mode", "appdata-pointer", "--runtime", "system", "--runtime", try Runtimes.fetch("trixie"),
                         "--format", "json", "--output", file]
        let run = try CLI.run(arguments)
        // 0: the run ended on its own (no proxy-core cell was asked for); 1 where a gate-like status fails it.
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(arguments: arguments, status: run.status, stderr: run.stderr) }
        let validation = try Formats.validateJSON(file)
        guard validation.status == 0 else { throw CLIFailed(arguments: ["schema"], status: validation.status, stderr: validation.output) }
        return try Report.decode(Data(contentsOf: URL(fileURLWithPath: file)))
    }

    @Test func onThreeFiveTheRecordLosesItsFirstFieldsTheHandshakeCompletesAndOpenSSLFreesIt() throws {
        let report = try Self.run.get()
        let runtime = try #require(report.runtimes(openSSL: 3, 5).first, "no runtime measured OpenSSL 3.5: \(report.runtimes.map(\.name))")
        let cells = report.cells(of: runtime)
        #expect(cells.map(\.cell) == MatrixPlan(modes: [.appDataPointer]).cells)
        for cell in cells {
            if cell.outcome == .skipped, cell.family == .ipv6, !report.environment.ipv6Loopback { continue }
            let name = cell.name
            #expect(cell.outcome == .failed, "\(name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
            #expect(cell.signal == nil, "\(name): the worker's accounting refused OpenSSL's free; nothing was freed twice")
            let record = try #require(cell.applicationRecord, "\(name) has no record check")
            #expect(record.checkedAfter == "BIO_set_fd")
            #expect(record.overwrittenFields == Self.zeroedFields, "\(name): \(record.detail)")
            #expect(!record.patternIntact, "\(name)")
            #expect(record.fileDescriptorIntact && record.fileDescriptorOffset == 256, "\(name): the socket survived: \(record.detail)")
            let bytes = try #require(record.overwrittenBytes, "\(name)")
            // The last byte OpenSSL zeroes is 115; one that already read 0 cannot show, hence the range.
            #expect(bytes.offset == 0 && (112..<120).contains(bytes.offset + bytes.length - 1), "\(name): \(bytes)")
            for field in Self.zeroedFields { #expect(record.detail.contains(field), "\(name): \(record.detail)") }
            #expect(record.detail.contains("the socket at offset 256 reads") && record.detail.contains("as written"), "\(record.detail)")
            let memory = try #require(cell.memory, "\(name) was not accounted")
            #expect(memory.foreignFrees >= 1, "\(name): OpenSSL's destroy freed the record: \(memory)")
            #expect(memory.leakedBytes == memory.leakedAllocations * 120, "\(name): OpenSSL's replaced struct is 120 bytes: \(memory)")
            let reason = cell.reason ?? ""
            #expect(reason.contains("bytes \(bytes.description) (15 fields, pghost to channel_binding); the socket at offset 256 survived"),
                    "\(reason)")
            #expect(reason.contains(ApplicationRecordEvidence.doubleFree), "\(name): \(reason)")
            guard cell.phase == .handshake else { continue }
            #expect(cell.tlsVersion == "TLSv1.3", "\(name): the handshake completed on the record's socket")
            #expect(cell.firstWrite?.syscall == .write && (cell.firstWrite?.result ?? -1) > 0, "\(name): \(String(describing: cell.firstWrite))")
        }
        let finding = try #require(report.diagnosis.first { $0.runtime == runtime.name && $0.mechanism == .recordOverwritten })
        #expect(finding.explanation.contains(Self.zeroedFields.joined(separator: ", ")), "\(finding.explanation)")
        #expect(finding.explanation.contains("The socket at offset 256 survived, so the handshake completed"), "\(finding.explanation)")
        #expect(finding.explanation.contains(ApplicationRecordEvidence.doubleFree), "\(finding.explanation)")
        let line = (report.verdictLines ?? []).first { $0.hasPrefix("PostgreSQL ≤ 16.1 record in BIO data (appdata-pointer): AFFECTED") }
        #expect(line?.contains("OpenSSL zeroes the record's first 116 bytes, then frees it: the program's own free is a double free") == true,
                "\(report.verdictLines ?? [])")
    }

    /// Where the socket BIO leaves its data pointer alone (before 3.2), the record reads as written.
    @Test(.enabled(if: (try? CLI.systemOpenSSL.get())?.socketBIOOwnsData == false, "the system's OpenSSL owns the data pointer"))
    func beforeThreeTwoTheRecordIsIntact() throws {
        let report = try Self.run.get()
        let system = try #require(report.runtimes.first { $0.name == "system" })
        for cell in report.cells(of: system) where cell.outcome != .skipped {
            #expect(cell.outcome == .ok, "\(cell.name): \(cell.reason ?? "")")
            let record = try #require(cell.applicationRecord, "\(cell.name)")
            #expect(record.intact && record.overwrittenFields == [] && record.overwrittenBytes == nil, "\(cell.name): \(record.detail)")
        }
        #expect(!report.diagnosis.contains { $0.runtime == system.name })
    }
}
