import DebianArchive
import Foundation
import Testing
import TestSupport

/// The cache of fetched `.deb` files: where it is, what of it is trusted, and what a
/// run that died leaves in it.
@Suite struct PackageCacheTests {
    @Test func theCacheIsUnderXDGCacheHomeElseHome() {
        #expect(PackageFetcher.cacheFolder(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]) == "/x/cache/tlsprobe/debs")
        #expect(PackageFetcher.cacheFolder(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"]) == "/home/u/.cache/tlsprobe/debs")
        #expect(PackageFetcher.cacheFolder(environment: ["HOME": "/home/u"]) == "/home/u/.cache/tlsprobe/debs")
    }

    @Test func aCacheOthersCanWriteIsRefused() throws {
        let root = try Repository.scratch("package-cache")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.path + "/tlsprobe/debs"
        try PackageFetcher.prepareCache(folder)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int)
        #expect(mode == 0o700)
        chmod(folder, 0o777)
        #expect(throws: (any Error).self) { try PackageFetcher.prepareCache(folder) }
        chmod(folder, 0o700)
        // A link in its place is not the cache either.
        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createSymbolicLink(atPath: folder, withDestinationPath: root.path)
        #expect(throws: (any Error).self) { try PackageFetcher.prepareCache(folder) }
    }

    @Test func aDeadRunsStagingFolderIsRemovedALiveOnesKept() throws {
        let root = try Repository.scratch("package-cache-staging")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.path + "/debs"
        try PackageFetcher.prepareCache(folder)
        // A process that has ended: its pid is free (until reused, which the check accepts as alive).
        let ended = try ProcessRunner.run("/bin/sh", ["-c", "echo $$"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let dead = folder + "/.partial-" + ended
        let live = folder + "/.partial-\(getpid())"
        for path in [dead, live] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        try PackageFetcher.prepareCache(folder)
        #expect(!FileManager.default.fileExists(atPath: dead) || kill(pid_t(ended)!, 0) == 0)
        #expect(FileManager.default.fileExists(atPath: live))
    }
}
