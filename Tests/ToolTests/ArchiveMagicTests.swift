import Foundation
@testable import BinaryAudit
import Testing
import TestSupport

/// What tells a tar archive from other files without libarchive (`ArchiveStream.hasCompressedOrTarMagic`,
/// so that an archive given where libarchive is missing is an error naming it, not a file
/// counted as not ELF), and what `ArchiveStream.packageInfo` reads of a package for its shard.
@Suite struct ArchiveMagicTests {
    static func head(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(265))
    }

    /// Each compression tar writes, and plain tar, by its first bytes; an ELF file, a script and
    /// a `.deb` are none of them.
    @Test func archivesAreToldFromOtherFilesByTheirFirstBytes() throws {
        let folder = try Repository.scratch("archive-magic")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: false)
        try "#!/bin/sh\n".write(to: tree.appendingPathComponent("script"), atomically: true, encoding: .utf8)
        for (index, compression) in ["", "-z", "-j", "-J", "--lzma", "--zstd"].enumerated() {
            let archive = folder.appendingPathComponent("a\(index)").path
            let run = try ProcessRunner.run("/usr/bin/tar", ["-C", tree.path, "-cf", archive] + (compression.isEmpty ? [] : [compression]) + ["."])
            try #require(run.status == 0, "tar \(compression): \(run.stderr)")
            #expect(ArchiveStream.hasCompressedOrTarMagic(try Self.head(archive)), "tar \(compression)")
        }
        let deb = try ArchiveStreamTests.package(in: folder)
        let elf = try AuditFixtures.get().path("affected-pattern")
        for path in [elf, tree.appendingPathComponent("script").path, deb] {
            #expect(!ArchiveStream.hasCompressedOrTarMagic(try Self.head(path)), "\(path)")
        }
        // An ELF file is no tar archive, whatever libarchive would say.
        #expect(!ArchiveStream.isTar(elf))
        #expect(ArchiveStream.isTar(folder.appendingPathComponent("a0").path))
    }

    /// The shard key's Package, read from the control member as a stream, is dpkg-deb's.
    @Test func packageInfoIsDpkgDebs() throws {
        let folder = try Repository.scratch("archive-package-info")
        defer { try? FileManager.default.removeItem(at: folder) }
        let deb = try ArchiveStreamTests.package(in: folder)
        let streamed = try #require(ArchiveStream.packageInfo(deb))
        let dpkg = try DebianPackageInfo.read(deb).get()
        #expect(streamed == dpkg)
        #expect(streamed.name == "cut")
        let elf = try AuditFixtures.get().path("affected-pattern")
        #expect(ArchiveStream.packageInfo(elf) == nil)
    }
}
