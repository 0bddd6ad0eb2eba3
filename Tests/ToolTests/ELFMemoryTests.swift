import Foundation
@testable import BinaryAudit
@testable import ELFInspection
import Testing
import TestSupport

/// The ELF reader on an image in memory (a package member read as a stream) gives
/// what it gives on the same bytes in a file: one reader, two sources, the same
/// bounds checks.
@Suite struct ELFMemoryTests {
    /// What the audit makes of `bytes` read from memory, and of the same bytes written to `path` and read from there.
    func both(_ bytes: [UInt8], at path: String) throws -> (memory: AuditedFile?, file: AuditedFile?) {
        var image = bytes
        let memory = AuditedFile.classify(ELFReader.read(image: &image), display: "x", package: nil)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (memory, AuditedFile.read(path: path, display: "x", package: nil))
    }

    @Test func eachFixtureReadsTheSameFromMemoryAsFromItsFile() throws {
        let fixtures = try AuditFixtures.get()
        for name in AuditFixtures.classes {
            var image = try Array(Data(contentsOf: URL(fileURLWithPath: fixtures.path(name))))
            let memory = try #require(AuditedFile.classify(ELFReader.read(image: &image), display: "x", package: nil), "\(name)")
            let file = try #require(AuditedFile.read(path: fixtures.path(name), display: "x", package: nil))
            #expect(memory == file, "\(name)")
            #expect(memory.class.rawValue == name, "\(name): \(memory.class) \(memory.error ?? "")")
        }
    }

    @Test func eachCraftedFileIsTheSameErrorFromMemory() throws {
        let folder = try Repository.scratch("elf-memory-crafted")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = try CraftedELF.write(into: folder)
        #expect(cases.count >= 17)
        for crafted in cases {
            var image = try Array(Data(contentsOf: folder.appendingPathComponent(crafted.name)))
            let memory = AuditedFile.classify(ELFReader.read(image: &image), display: "x", package: nil)
            #expect(memory?.class == .error, "\(crafted.name): \(String(describing: memory?.class))")
            #expect(memory?.error?.contains(crafted.reason) == true, "\(crafted.name): \(memory?.error ?? "no error"), expected \(crafted.reason)")
        }
    }

    /// Every 97th prefix of a real program, and no bytes at all: the same answer from memory as from a file.
    @Test func truncatedImagesAreReadAsTruncatedFilesAre() throws {
        let good = try Array(Data(contentsOf: URL(fileURLWithPath: AuditFixtures.get().path("affected-pattern"))))
        let folder = try Repository.scratch("elf-memory-truncated")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("prefix").path
        var errors = 0
        for length in stride(from: 0, to: good.count, by: 97) {
            let (memory, file) = try both(Array(good.prefix(length)), at: path)
            #expect(memory == file, "\(length) bytes: \(memory?.error ?? "-") vs \(file?.error ?? "-")")
            if memory?.class == .error { errors += 1 }
        }
        #expect(errors > 10)
    }
}
