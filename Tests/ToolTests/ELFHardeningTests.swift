import Foundation
@testable import BinaryAudit
@testable import ELFInspection
import Testing
import TestSupport

/// The ELF reader in process, on files the test breaks on purpose (a trap here
/// would kill the test process, not fail one test), and on a FIFO where a
/// library should be.
@Suite struct ELFHardeningTests {
    func read(_ path: String) -> AuditedFile? {
        AuditedFile.read(path: path, display: path, package: nil)
    }

    @Test func eachCraftedFileIsAnErrorThatSaysWhy() throws {
        let folder = try Repository.scratch("elf-crafted")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = try CraftedELF.write(into: folder)
        #expect(cases.count >= 17)
        for crafted in cases {
            let file = read(folder.appendingPathComponent(crafted.name).path)
            #expect(file?.class == .error, "\(crafted.name): \(String(describing: file?.class))")
            #expect(file?.error?.contains(crafted.reason) == true, "\(crafted.name): \(file?.error ?? "no error"), expected \(crafted.reason)")
        }
    }

    /// `sh_entsize` 0 means "the type's own size" to every ELF tool; it is no error.
    @Test func anEntrySizeOfZeroIsTheTablesOwn() throws {
        var image = try CraftedELF.ELFImage(Array(Data(contentsOf: URL(fileURLWithPath: AuditFixtures.get().path("affected-pattern")))))
        for index in image.sections(type: 11) + image.sections(type: 6) + image.sections(type: 4) {
            image.set64(image.header(index) + 56, 0)
        }
        let folder = try Repository.scratch("elf-entsize")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("entsize-zero").path
        try Data(image.bytes).write(to: URL(fileURLWithPath: path))
        let file = try #require(read(path))
        #expect(file.class == .affectedPattern, "\(file.error ?? "")")
        #expect(file.elf.imported("BIO_meth_get_create")?.isBound == true)
    }

    /// Every prefix of a real program and a few thousand seeded byte changes: each
    /// read ends, as a class or an error. (scripts/fuzz-elf does this at scale.)
    @Test func truncatedAndMutatedFilesNeverTrap() throws {
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: AuditFixtures.get().path("affected-pattern"))))
        let folder = try Repository.scratch("elf-mutated")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("mutant").path
        var errors = 0, read = 0
        func check(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if let file = AuditedFile.read(path: path, display: "mutant", package: nil) {
                read += 1
                if file.class == .error { errors += 1 }
            }
        }
        for length in stride(from: 0, to: good.count, by: 97) { try check(Array(good.prefix(length))) }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        // Headers and tables are in the first and last few KB: change bytes there most.
        for _ in 0..<1500 {
            var mutant = good
            for _ in 0..<(1 + Int(next() % 4)) {
                let region = next() % 2 == 0 ? 0..<min(4096, good.count) : max(0, good.count - 4096)..<good.count
                let offset = region.lowerBound + Int(next() % UInt64(region.count))
                mutant[offset] = next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: next())
            }
            try check(mutant)
        }
        #expect(read > 1000 && errors > 100, "\(read) read, \(errors) errors")
    }

    /// A FIFO where a library should be: refused at once by both readers, never waited on.
    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let folder = try Repository.scratch("elf-fifo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("libssl.so.3").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let answers = Answers()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            answers.set(reader: ELFReader.read(path: fifo), check: ELFReader.loadProblem(path: fifo))
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else {
            // Release the blocked open so the thread can end, and fail.
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            Issue.record("reading a FIFO blocked for 10 s")
            return
        }
        guard case .unreadable(let reason)? = answers.reader else {
            Issue.record("a FIFO was not refused: \(String(describing: answers.reader))")
            return
        }
        #expect(reason == "not a regular file (a FIFO)", "\(reason)")
        #expect(answers.check == "not a regular file (a FIFO)")
        #expect(ELFReader.loadProblem(path: folder.path) == "not a regular file (a folder)")
        #expect(ELFReader.loadProblem(path: folder.appendingPathComponent("none").path)?.hasPrefix("cannot be read: ENOENT") == true)
    }

    final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var readerAnswer: ELFReader.Result?
        private var checkAnswer: String?
        func set(reader: ELFReader.Result, check: String?) { lock.withLock { readerAnswer = reader; checkAnswer = check } }
        var reader: ELFReader.Result? { lock.withLock { readerAnswer } }
        var check: String? { lock.withLock { checkAnswer } }
    }
}
