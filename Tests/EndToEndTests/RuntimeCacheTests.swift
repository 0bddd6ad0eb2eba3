import Foundation
import TestSupport
import Testing
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// The runtime cache as a root CI job meets it: fetched by the binary itself with
/// apt, keyed by the build, made once under a lock, never half-made, and refused
/// when another user could change what tlsprobe would run from it.
@Suite(.serialized) struct RuntimeCacheTests {
    /// A fresh `XDG_CACHE_HOME`.
    static func freshCache(_ label: String) throws -> URL {
        try Repository.scratch(label)
    }

    /// The one folder of this build under `cache/tlsprobe`.
    static func buildFolder(_ cache: URL) throws -> String {
        let builds = try FileManager.default.contentsOfDirectory(atPath: cache.path + "/tlsprobe")
        try #require(builds.count == 1, "one folder for this build: \(builds)")
        return "\(cache.path)/tlsprobe/\(builds[0])"
    }

    @Test func aFetchedRuntimeLiesUnderTheBuildsOwnKeyWithItsHeaders() throws {
        let cache = try Self.freshCache("cache-layout")
        defer { try? FileManager.default.removeItem(at: cache) }
        let run = try CLI.run(["runtime", "fetch", "3.5"], environment: ["XDG_CACHE_HOME": cache.path])
        #expect(run.status == 0, "\(run.stderr)")
        let folder = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let build = try Self.buildFolder(cache)
        #expect(folder == build + "/runtimes/trixie")
        #expect(URL(fileURLWithPath: build).lastPathComponent.hasPrefix(ToolVersion.current + "-"))
        for file in ["libssl.so.3", "libcrypto.so.3", "ld-linux-x86-64.so.2", "libc.so.6", "include/openssl/ssl.h", "pkgconfig/openssl.pc"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
        }
        let version = try String(contentsOfFile: folder + "/VERSION", encoding: .utf8)
        #expect(version.hasPrefix("libssl3t64 3.5."), "\(version)")
        #expect(run.stderr.contains("fetching OpenSSL 3.5 (Debian trixie) from "), "\(run.stderr)")
        // The second time it is there: nothing is fetched.
        let again = try CLI.run(["runtime", "fetch", "trixie"], environment: ["XDG_CACHE_HOME": cache.path])
        #expect(again.status == 0 && again.output == run.output, "\(again.stderr)")
        #expect(!again.stderr.contains("fetching"), "\(again.stderr)")
        // Owner-only folders: tlsprobe made them for this user.
        var status = stat()
        #expect(stat(cache.path + "/tlsprobe", &status) == 0 && status.st_mode & 0o077 == 0)
    }

    @Test func twoFirstUsesAtOnceBothSucceedWithOneFolder() throws {
        let cache = try Self.freshCache("cache-race")
        defer { try? FileManager.default.removeItem(at: cache) }
        let results = LockedRuns()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            results.append(Result { try CLI.run(["runtime", "fetch", "trixie"], environment: ["XDG_CACHE_HOME": cache.path]) })
        }
        let runs = try results.all.map { try $0.get() }
        #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
        #expect(Set(runs.map(\.output)).count == 1)
        // One of them fetched; the other waited for the lock and found the folder made.
        #expect(runs.filter { $0.stderr.contains("fetching") }.count == 1, "\(runs.map(\.stderr))")
        let entries = try FileManager.default.contentsOfDirectory(atPath: try Self.buildFolder(cache) + "/runtimes").sorted()
        #expect(entries == [".trixie.lock", "trixie"], "\(entries)")
    }

    /// A fetch killed half-way leaves a private folder that no run trusts; the next run removes it and fetches anew.
    @Test func anInterruptedFetchLeavesNothingALaterRunTrusts() throws {
        let cache = try Self.freshCache("cache-interrupted")
        defer { try? FileManager.default.removeItem(at: cache) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = ["runtime", "fetch", "sid"]
        process.environment = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": cache.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Until apt is under way: the private folder exists.
        let deadline = Date().addingTimeInterval(30)
        var partial: String?
        while partial == nil && Date() < deadline && process.isRunning {
            // Listed here, not with buildFolder: its #require would record an issue for a poll that
            // comes between the making of cache/tlsprobe and of the build's folder in it.
            let builds = (try? FileManager.default.contentsOfDirectory(atPath: cache.path + "/tlsprobe")) ?? []
            partial = builds.count == 1
                ? (try? FileManager.default.contentsOfDirectory(atPath: "\(cache.path)/tlsprobe/\(builds[0])/runtimes"))?.first { $0.hasPrefix(".sid.partial-") }
                : nil
            usleep(20_000)
        }
        try #require(partial != nil, "the fetch never made its private folder")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let runtimes = try Self.buildFolder(cache) + "/runtimes"
        #expect(!FileManager.default.fileExists(atPath: runtimes + "/sid"), "a killed fetch made no runtime")
        let run = try CLI.run(["runtime", "fetch", "sid"], environment: ["XDG_CACHE_HOME": cache.path])
        #expect(run.status == 0, "\(run.stderr)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: runtimes).sorted()
        #expect(entries == [".sid.lock", "sid"], "the leftover is gone: \(entries)")
    }

    @Test func aCacheOtherUsersCanWriteIsRefusedNamingFolderOwnerAndMode() throws {
        let cache = try Self.freshCache("cache-shared")
        defer { try? FileManager.default.removeItem(at: cache) }
        chmod(cache.path, 0o777)
        let run = try CLI.run(["matrix", "--runtime", "trixie", "--mode", "fd", "--format", "json"],
                              environment: ["XDG_CACHE_HOME": cache.path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("runtime trixie: refusing the cache: \(cache.path) is writable by other users (owner uid \(geteuid())"),
                "\(run.stderr)")
        #expect(run.stderr.contains("mode 0777"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/tlsprobe"), "nothing made in it")
    }

    @Test func aCacheThatBelongsToAnotherUserIsRefused() throws {
        try #require(geteuid() == 0, "changing a folder's owner needs root (CI runs as root)")
        let cache = try Self.freshCache("cache-foreign")
        defer { try? FileManager.default.removeItem(at: cache) }
        let tlsprobe = cache.path + "/tlsprobe"
        try FileManager.default.createDirectory(atPath: tlsprobe, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        // nobody: a user that is not this one, and that every Debian system has.
        #expect(chown(tlsprobe, 65534, 65534) == 0)
        let run = try CLI.run(["runtime", "fetch", "trixie"], environment: ["XDG_CACHE_HOME": cache.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(tlsprobe) belongs to uid 65534"), "\(run.stderr)")
        #expect(run.stderr.contains("mode 0755"), "\(run.stderr)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: tlsprobe)).isEmpty, "nothing written into it")
    }

    /// A runtime folder given by path is checked the same way, down to the libraries it would load.
    @Test func aRuntimeFolderOthersCanWriteIsNeverLoaded() throws {
        let trixie = try Runtimes.fetch("trixie")
        let scratch = try Repository.scratch("runtime-shared")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let copy = scratch.path + "/rt"
        let cp = try ProcessRunner.run("/bin/cp", ["-a", trixie, copy])
        try #require(cp.status == 0, "\(cp.stderr)")
        let trusted = try CLI.run(["matrix", "--runtime", copy, "--mode", "fd", "--tfo", "off", "--family", "ipv4", "--format", "json"])
        #expect(trusted.status == 0, "the copy itself is fine: \(trusted.stderr)")
        let libraries = copy + "/root/usr/lib/x86_64-linux-gnu"
        chmod(libraries, 0o775)
        let refused = try CLI.run(["matrix", "--runtime", copy, "--mode", "fd", "--tfo", "off", "--family", "ipv4", "--format", "json"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("refusing to run code from it: \(libraries) is writable by other users"), "\(refused.stderr)")
        #expect(refused.stderr.contains("mode 0775"), "\(refused.stderr)")
    }

    /// Runs gathered from several threads.
    final class LockedRuns: @unchecked Sendable {
        private let lock = NSLock()
        private var runs: [Result<ProcessRunner.Run, any Error>] = []
        func append(_ run: Result<ProcessRunner.Run, any Error>) { lock.withLock { runs.append(run) } }
        var all: [Result<ProcessRunner.Run, any Error>] { lock.withLock { runs } }
    }
}
