import Foundation
@testable import BinaryAudit
import ELFInspection
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// libarchive's reader on archives GNU tar makes here: members in order with their
/// types, data read only up to what is asked, and a file that is no archive refused
/// in libarchive's words.
@Suite struct ArchiveReaderTests {
    @Test func aCompressedTarIsReadMemberByMember() throws {
        let folder = try Repository.scratch("archive-reader")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try Data("hello, archive\n".utf8).write(to: tree.appendingPathComponent("bin/a"))
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("bin/link").path, withDestinationPath: "a")
        let tar = folder.appendingPathComponent("t.tar.xz").path
        let made = try ProcessRunner.run("/usr/bin/tar", ["-C", tree.path, "-cJf", tar, "./bin/a", "./bin/link"])
        try #require(made.status == 0, "\(made.stderr)")

        let reader = try ArchiveReader(path: tar, formats: .tar)
        let first = try #require(try reader.next())
        #expect(first.name == "./bin/a" && first.type == S_IFREG && first.size == 15 && !first.isHardLink && !first.isSparse)
        var bytes: [UInt8] = []
        #expect(try reader.read(into: &bytes, upTo: 5) == false)
        #expect(bytes == Array("hello".utf8))
        #expect(try reader.read(into: &bytes, upTo: 100) == true)
        #expect(String(decoding: bytes, as: UTF8.self) == "hello, archive\n")
        let second = try #require(try reader.next())
        #expect(second.name == "./bin/link" && second.type == S_IFLNK)
        #expect(try reader.next() == nil)
        #expect(ArchiveStream.isTar(tar))
    }

    @Test func aFileThatIsNoArchiveIsRefusedInLibarchivesWords() throws {
        let folder = try Repository.scratch("archive-reader-none")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("notes.txt").path
        try Data(String(repeating: "not an archive\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))
        #expect(!ArchiveStream.isTar(path))
        #expect(throws: UnreadableFile.self) {
            let reader = try ArchiveReader(path: path, formats: .ar)
            _ = try reader.next()
        }
        do {
            let reader = try ArchiveReader(path: path, formats: .tar)
            _ = try reader.next()
            Issue.record("a text file read as a tar")
        } catch {
            #expect(error.reason.contains("Unrecognized archive format"), "\(error.reason)")
        }
    }
}
