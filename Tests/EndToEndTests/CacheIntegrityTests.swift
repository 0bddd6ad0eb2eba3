import Foundation
import Matrix
import MatrixModel
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Nothing in the cache runs unless it is what tlsprobe fetched or built: a loader or a worker
/// swapped for a wrapper never runs, a patched libcrypto or a truncated worker is named and
/// made again, and a cache folder another user owns or anyone can write is refused.
/// Each test has a private `XDG_CACHE_HOME`; fetches need `TLSPROBE_MAX_INDEX_AGE` where the mirror lags.
@Suite(.serialized) struct CacheIntegrityTests {
    static let probe = ["--mode", "fd", "--tfo", "off", "--family", "ipv4", "--phase", "handshake", "--format", "json"]

    /// Fetches `line` into the cache under `xdg` and returns its folder.
    static func fetch(_ line: String, xdg: URL, environment: [String: String] = [:]) throws -> String {
        let run = try CLI.run(["runtime", "fetch", line], environment: ["XDG_CACHE_HOME": xdg.path].merging(environment) { $1 })
        try #require(run.status == 0, "\(run.stderr)")
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An ELF program (so no check of the file's format stops it) that only creates `marker`:
    /// if it ever runs, the marker says so.
    static func wrapper(creating marker: String, in folder: URL, name: String = "wrapper") throws -> String {
        let source = folder.path + "/\(name).c"
        let output = folder.path + "/\(name)"
        try Data("#include <stdio.h>\nint main(void) { FILE *f = fopen(MARKER, \"w\"); if (f) fclose(f); return 0; }\n".utf8)
            .write(to: URL(fileURLWithPath: source))
        let cc = try ProcessRunner.run("/usr/bin/cc", ["-DMARKER=\"\(marker)\"", "-o", output, source])
        try #require(cc.status == 0, "\(cc.stderr)")
        return output
    }

    /// Puts `file` at `path` in place of whatever is there (a link, a file), executable.
    static func replace(_ path: String, with file: String) throws {
        unlink(path)
        try FileManager.default.copyItem(atPath: file, toPath: path)
        chmod(path, 0o755)
    }

    @Test func aLoaderReplacedByAWrapperNeverRunsAndTheLineIsFetchedAgain() throws {
        let xdg = try Repository.scratch("integrity-loader")
        defer { try? FileManager.default.removeItem(at: xdg) }
        let folder = try Self.fetch("trixie", xdg: xdg)
        let marker = xdg.path + "/the-wrapper-ran"
        try Self.replace(folder + "/ld-linux-x86-64.so.2", with: try Self.wrapper(creating: marker, in: xdg))

        let run = try CLI.run(["matrix", "--runtime", "trixie"] + Self.probe, environment: ["XDG_CACHE_HOME": xdg.path])
        #expect(!FileManager.default.fileExists(atPath: marker), "the replaced loader ran")
        #expect(run.stderr.contains("tlsprobe: trixie: the cached runtime is damaged (\(folder)/ld-linux-x86-64.so.2 is a file where a link to root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 was recorded); fetching it again"),
                "\(run.stderr)")
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.runtimes.first?.openSSL?.runtimeMajor == 3 && report.runtimes.first?.openSSL?.runtimeMinor == 5)
        #expect(report.cells.map(\.outcome) == [.ok])
        #expect(CacheManifest.damage(in: folder) == nil, "the folder was made again, whole")
        let runtimes = (folder as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: runtimes).sorted() == [".trixie.lock", "trixie"])
    }

    /// The issue's "OpenSSL 9.9.9": a libcrypto whose version string was patched in the cache.
    @Test func aPatchedLibcryptoIsNamedAndNeverLoaded() throws {
        let xdg = try Repository.scratch("integrity-patched")
        defer { try? FileManager.default.removeItem(at: xdg) }
        let folder = try Self.fetch("trixie", xdg: xdg)
        let file = folder + "/root/usr/lib/x86_64-linux-gnu/libcrypto.so.3"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let at = try #require(bytes.range(of: Data("OpenSSL 3.5.".utf8)))
        bytes.replaceSubrange(at, with: Data("OpenSSL 9.9.".utf8))
        try bytes.write(to: URL(fileURLWithPath: file))

        // A copy given by path carries the manifest too: refused, with the file and the remedy.
        let copy = xdg.path + "/copy"
        let cp = try ProcessRunner.run("/bin/cp", ["-a", folder, copy])
        try #require(cp.status == 0, "\(cp.stderr)")
        let refused = try CLI.run(["matrix", "--runtime", copy] + Self.probe)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("its files are not those recorded when it was fetched (\(copy)/root/usr/lib/x86_64-linux-gnu/libcrypto.so.3: SHA-256 "),
                "\(refused.stderr)")
        #expect(refused.stderr.contains("fetch it again with `tlsprobe runtime fetch`"), "\(refused.stderr)")

        // The cache's own is fetched again, saying why.
        let run = try CLI.run(["runtime", "fetch", "trixie"], environment: ["XDG_CACHE_HOME": xdg.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("the cached runtime is damaged (\(file): SHA-256 "), "\(run.stderr)")
        let mended = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(mended.range(of: Data("OpenSSL 9.9.".utf8)) == nil)
        #expect(mended.range(of: Data("OpenSSL 3.5.".utf8)) != nil)
    }

    /// A worker in the cache that is not the one built (a wrapper, a truncated file) never runs:
    /// it is built again. The build fails at once here (pkg-config finds nothing), which also shows
    /// how a build failure reads, and that its log goes through no link planted in its place.
    @Test func aReplacedOrTruncatedWorkerIsBuiltAgainAndNeverRuns() throws {
        let xdg = try Repository.scratch("integrity-worker")
        defer { try? FileManager.default.removeItem(at: xdg) }
        _ = try Self.fetch("experimental", xdg: xdg)
        let workers = Runtimes.cacheFolder(xdg.path) + "/workers"
        let home = workers + "/libssl.so.4"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let marker = xdg.path + "/the-worker-ran"
        let wrapper = try Self.wrapper(creating: marker, in: xdg)
        // Recorded as built (a program of the same size), then swapped for the wrapper.
        try Self.replace(home + "/tlsprobe", with: try Self.wrapper(creating: xdg.path + "/the-worker-RAN", in: xdg, name: "decoy"))
        try CacheManifest.record(home).write(into: home)
        try Self.replace(home + "/tlsprobe", with: wrapper)
        // A root-only file, and the build's log a link to it.
        let precious = xdg.path + "/precious"
        try Data("precious".utf8).write(to: URL(fileURLWithPath: precious))
        chmod(precious, 0o600)
        let log = workers + "/libssl.so.4.log"
        #expect(symlink(precious, log) == 0)

        let environment = ["XDG_CACHE_HOME": xdg.path, "PKG_CONFIG_LIBDIR": "/nonexistent"]
        let run = try CLI.run(["matrix", "--runtime", "4.0"] + Self.probe, environment: environment)
        #expect(!FileManager.default.fileExists(atPath: marker), "the replaced worker ran")
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("tlsprobe: experimental: the cached worker is damaged (\(home)/tlsprobe: SHA-256 "), "\(run.stderr)")
        #expect(run.stderr.contains("runtime experimental: cannot build a worker for libssl.so.4: the build (scripts/build-runtime-worker) failed (exit status 1): pkg-config cannot find libelf"),
                "\(run.stderr)")
        #expect(run.stderr.contains("the whole log is \(log)"), "\(run.stderr)")
        #expect(!run.stderr.contains("cannot fetch"), "\(run.stderr)")
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "precious", "the build wrote through the link")
        var status = stat()
        #expect(lstat(log, &status) == 0 && status.st_mode & S_IFMT == S_IFREG)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("pkg-config cannot find libelf"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: workers).filter { $0.contains("partial") }.isEmpty)

        // Truncated: the size alone gives it away.
        unlink(home + "/" + CacheManifest.fileName)
        try CacheManifest.record(home).write(into: home)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: home + "/tlsprobe")[.size] as? Int)
        #expect(truncate(home + "/tlsprobe", 100) == 0)
        let again = try CLI.run(["matrix", "--runtime", "4.0"] + Self.probe, environment: environment)
        #expect(again.stderr.contains("the cached worker is damaged (\(home)/tlsprobe is 100 bytes, not the recorded \(size)); building it again"),
                "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// The issue's setup: the cache's runtime folder prepared by another user (made with
    /// `useradd` here), then one anyone may write. Neither is run, and the line names the
    /// folder, its owner and its mode.
    @Test func aRuntimeFolderAnotherUserOwnsOrAnyoneCanWriteIsRefused() throws {
        try #require(geteuid() == 0, "giving a folder to another user needs root (CI runs as root)")
        let user = "tlsprobe-other"
        if try ProcessRunner.run("/usr/bin/id", ["-u", user]).status != 0 {
            let add = try ProcessRunner.run("/usr/sbin/useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user])
            try #require(add.status == 0, "\(add.stderr)")
        }
        let uid = try ProcessRunner.run("/usr/bin/id", ["-u", user]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let xdg = try Repository.scratch("integrity-foreign")
        defer { try? FileManager.default.removeItem(at: xdg) }
        let folder = try Self.fetch("trixie", xdg: xdg)
        let chown = try ProcessRunner.run("/bin/chown", ["-R", "\(user):", folder])
        try #require(chown.status == 0, "\(chown.stderr)")

        let foreign = try CLI.run(["matrix", "--runtime", "trixie"] + Self.probe, environment: ["XDG_CACHE_HOME": xdg.path])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("runtime trixie: refusing to run code from it: \(folder) belongs to uid \(uid) (\(user)), mode 0755"),
                "\(foreign.stderr)")

        let back = try ProcessRunner.run("/bin/chown", ["-R", "root:", folder])
        try #require(back.status == 0, "\(back.stderr)")
        chmod(folder, 0o777)
        let open = try CLI.run(["matrix", "--runtime", "trixie"] + Self.probe, environment: ["XDG_CACHE_HOME": xdg.path])
        #expect(open.status == 2)
        #expect(open.stderr.contains("runtime trixie: refusing to run code from it: \(folder) is writable by other users (owner uid 0 (root), mode 0777)"),
                "\(open.stderr)")
    }
}
