@testable import MatrixModel
import ProxyCore
import Testing

/// How a cell combines the BIO's record of its first write with the libc boundary's.
@Suite struct ObserverConflictTests {
    static func write(_ syscall: FirstWrite.Syscall, _ flags: [String] = [], length: Int? = nil, result: Int = 100,
                      errno: Int32? = nil, by: FirstWrite.Observer) -> FirstWrite {
        FirstWrite(syscall: syscall, flags: flags, addressLength: length, expectedAddressLength: 16, result: result,
                   errno: errno.map { .init(rawValue: $0) }, observedBy: by)
    }

    static func cell(bio: FirstWrite?) -> CellResult {
        var result = CellResult(Cell(mode: .fd, tfo: .off, family: .ipv4, phase: .handshake), runtime: "system",
                                kernelTFO: 1, outcome: .ok)
        result.firstWrite = bio
        return result
    }

    @Test func agreementKeepsBothAndTheLibcRecordLeads() {
        var cell = Self.cell(bio: Self.write(.write, by: .openSSLSocketBIO))
        cell.observe(libc: Self.write(.write, by: .libcBoundary))
        #expect(cell.firstWrite?.observedBy == .libcBoundary)
        #expect(cell.bioFirstWrite?.observedBy == .openSSLSocketBIO)
        #expect(cell.observerConflict == nil && cell.outcome == .ok)
    }

    @Test(arguments: [
        write(.sendto, ["MSG_FASTOPEN"], length: 16, by: .libcBoundary),
        write(.write, result: -1, errno: 32, by: .libcBoundary),
        write(.send, ["MSG_NOSIGNAL"], by: .libcBoundary),
    ])
    func anyDifferenceIsAConflictAndFailsTheCell(libc: FirstWrite) {
        var cell = Self.cell(bio: Self.write(.write, by: .openSSLSocketBIO))
        cell.observe(libc: libc)
        #expect(cell.observerConflict?.contains("the libc boundary saw \(libc.summary)") == true)
        #expect(cell.outcome == .failed)
        #expect(cell.reason?.hasPrefix("the observers of the first write disagree") == true)
    }

    @Test func aWriteOnlyTheBIOSawIsAConflict() {
        var cell = Self.cell(bio: Self.write(.write, by: .openSSLSocketBIO))
        cell.observe(libc: nil)
        #expect(cell.observerConflict?.contains("the libc boundary saw no write") == true)
    }

    @Test func aWriteOnlyTheLibcBoundarySawIsTheRecord() {
        var cell = Self.cell(bio: nil)
        cell.observe(libc: Self.write(.sendto, ["MSG_FASTOPEN"], length: 0, result: -1, errno: 22, by: .libcBoundary))
        #expect(cell.firstWrite?.errno == .invalidArgument && cell.bioFirstWrite == nil && cell.observerConflict == nil)
        var silent = Self.cell(bio: nil)
        silent.observe(libc: nil)
        #expect(silent.firstWrite == nil && silent.observerConflict == nil)
    }
}
