import Foundation
import Matrix
import TestSupport
import Testing
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// The manifest of a cached runtime or worker: what was fetched or built is what runs, and
/// anything else (a patched byte, a truncated file, a wrapper, an extra library) is named.
@Suite struct CacheManifestTests {
    /// A folder laid out like a fetched runtime: libraries under `root/`, links to them at the top.
    static func runtimeLike(_ label: String) throws -> String {
        let folder = try Repository.scratch(label).path
        let lib = folder + "/root/usr/lib/x86_64-linux-gnu"
        try FileManager.default.createDirectory(atPath: lib, withIntermediateDirectories: true)
        try Data("crypto: OpenSSL 3.5.1 ".utf8 + Array(repeating: 0x41, count: 300_000)).write(to: URL(fileURLWithPath: lib + "/libcrypto.so.3"))
        try Data("ssl".utf8).write(to: URL(fileURLWithPath: lib + "/libssl.so.3"))
        try Data("loader".utf8).write(to: URL(fileURLWithPath: lib + "/ld-linux-x86-64.so.2"))
        try Data("libssl3t64 3.5.1\n".utf8).write(to: URL(fileURLWithPath: folder + "/VERSION"))
        for name in ["libcrypto.so.3", "libssl.so.3", "ld-linux-x86-64.so.2"] {
            try FileManager.default.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: "root/usr/lib/x86_64-linux-gnu/" + name)
        }
        return folder
    }

    static func recorded(_ label: String) throws -> String {
        let folder = try runtimeLike(label)
        do {
            try CacheManifest.record(folder).write(into: folder)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        return folder
    }

    @Test func aFolderAsRecordedHasNoDamage() throws {
        let folder = try Self.recorded("manifest-intact")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(CacheManifest.damage(in: folder) == nil)
        let manifest = try CacheManifest.record(folder)
        #expect(manifest.files.map(\.path) == ["VERSION", "root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                                                "root/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "root/usr/lib/x86_64-linux-gnu/libssl.so.3"])
        #expect(manifest.links.map(\.path) == ["ld-linux-x86-64.so.2", "libcrypto.so.3", "libssl.so.3"])
        #expect(manifest.files.first { $0.path.hasSuffix("libssl.so.3") }?.size == 3)
        // The same SHA-256 as sha256sum computes.
        let sum = try ProcessRunner.run("/usr/bin/sha256sum", [folder + "/root/usr/lib/x86_64-linux-gnu/libcrypto.so.3"])
        #expect(sum.output.hasPrefix(manifest.files.first { $0.path.hasSuffix("libcrypto.so.3") }?.sha256 ?? "none"), "\(sum.output)")
    }

    @Test func aPatchedByteIsNamedWithTheFileAndItsHash() throws {
        let folder = try Self.recorded("manifest-patched")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/root/usr/lib/x86_64-linux-gnu/libcrypto.so.3"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let at = try #require(bytes.range(of: Data("3.5.1".utf8)))
        bytes.replaceSubrange(at, with: Data("9.9.9".utf8))
        try bytes.write(to: URL(fileURLWithPath: file))
        let damage = try #require(CacheManifest.damage(in: folder))
        #expect(damage.hasPrefix(file + ": SHA-256 "), "\(damage)")
        #expect(damage.contains(", not the recorded "), "\(damage)")
    }

    @Test func aTruncatedFileIsNamedWithBothSizes() throws {
        let folder = try Self.recorded("manifest-truncated")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/root/usr/lib/x86_64-linux-gnu/libcrypto.so.3"
        #expect(truncate(file, 4096) == 0)
        #expect(CacheManifest.damage(in: folder) == "\(file) is 4096 bytes, not the recorded 300022")
    }

    @Test func aLoaderLinkReplacedByAWrapperIsFound() throws {
        let folder = try Self.recorded("manifest-wrapper")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let loader = folder + "/ld-linux-x86-64.so.2"
        #expect(unlink(loader) == 0)
        try Data("#!/bin/sh\ntouch /tmp/owned\n".utf8).write(to: URL(fileURLWithPath: loader))
        let damage = CacheManifest.damage(in: folder)
        #expect(damage == "\(loader) is a file where a link to root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 was recorded", "\(damage ?? "")")
        // A recorded file swapped for a link to another file inside is no file either.
        #expect(unlink(loader) == 0)
        #expect(symlink("root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", loader) == 0)
        let library = folder + "/root/usr/lib/x86_64-linux-gnu/libssl.so.3"
        #expect(unlink(library) == 0)
        #expect(symlink("libcrypto.so.3", library) == 0)
        #expect(CacheManifest.damage(in: folder) == "\(library) is a link, not the file recorded")
    }

    @Test func anExtraLibraryAMissingFileAndAMissingManifestAreDamage() throws {
        let folder = try Self.recorded("manifest-extra")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("evil".utf8).write(to: URL(fileURLWithPath: folder + "/libevil.so.1"))
        #expect(CacheManifest.damage(in: folder) == "\(folder)/libevil.so.1 is a file that the manifest does not list")
        #expect(unlink(folder + "/libevil.so.1") == 0)
        // Files without .so in their name may come and go (a user's notes); libraries may not.
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/NOTES"))
        #expect(CacheManifest.damage(in: folder) == nil)
        #expect(unlink(folder + "/VERSION") == 0)
        #expect(CacheManifest.damage(in: folder) == "\(folder)/VERSION is missing")
        #expect(unlink(folder + "/" + CacheManifest.fileName) == 0)
        #expect(CacheManifest.damage(in: folder)?.hasPrefix("\(folder)/.tlsprobe-manifest is missing: no manifest") == true)
    }

    /// A FIFO where a library was is reported at once: the check never blocks opening it.
    @Test func aFIFOInPlaceOfALibraryIsReportedWithoutHanging() throws {
        let folder = try Self.recorded("manifest-fifo")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/root/usr/lib/x86_64-linux-gnu/libssl.so.3"
        #expect(unlink(file) == 0)
        #expect(mkfifo(file, 0o600) == 0)
        #expect(CacheManifest.damage(in: folder) == "\(file) is a FIFO, not the file recorded")
        #expect(throws: EnvironmentError.self) { try CacheManifest.record(folder) }
    }

    @Test func aLinkThatLeavesTheFolderIsNeverRecorded() throws {
        let folder = try Self.runtimeLike("manifest-escape")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(symlink("/usr/lib/x86_64-linux-gnu/libc.so.6", folder + "/libc.so.6") == 0)
        do {
            _ = try CacheManifest.record(folder)
            Issue.record("a link out of the folder was recorded")
        } catch {
            #expect(error.description.contains("libc.so.6 is a link that leads out of the folder"), "\(error)")
        }
        #expect(symlink("../../elsewhere", folder + "/root/x") == 0)
        #expect(throws: EnvironmentError.self) { try CacheManifest.record(folder) }
        // What a fetch does before recording: such links go, the rest stays.
        #expect(try CacheManifest.removeLinksLeaving(folder) == ["libc.so.6", "root/x"])
        let manifest = try CacheManifest.record(folder)
        #expect(manifest.links.map(\.path) == ["ld-linux-x86-64.so.2", "libcrypto.so.3", "libssl.so.3"])
    }

    /// The manifest is a new file: never written through a link planted where it goes.
    @Test func theManifestIsNeverWrittenThroughALink() throws {
        let folder = try Self.runtimeLike("manifest-link")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let victim = folder + "/../" + URL(fileURLWithPath: folder).lastPathComponent + "-victim"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        defer { unlink(victim) }
        let manifest = try CacheManifest.record(folder)
        #expect(symlink(victim, folder + "/" + CacheManifest.fileName) == 0)
        #expect(throws: EnvironmentError.self) { try manifest.write(into: folder) }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
    }
}
