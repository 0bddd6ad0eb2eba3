import Foundation
@testable import Matrix
@testable import MatrixModel
import Testing

/// How `--runtime` values become runtimes, and where fetched lines are cached.
@Suite struct RuntimeSpecTests {
    @Test(arguments: [
        ("bullseye", OpenSSLLine.bullseye), ("1.1.1", .bullseye), ("bookworm", .bookworm), ("3.0", .bookworm),
        ("trixie", .trixie), ("3.5", .trixie), ("sid", .sid), ("3.6", .sid), ("experimental", .experimental), ("4.0", .experimental),
    ])
    func aLineIsNamedBySuiteOrSeries(argument: String, line: OpenSSLLine) {
        #expect(RuntimeSpec.parse(argument) == [.line(line)])
        #expect(RuntimeSpec.line(line).name == line.rawValue)
    }

    @Test func allIsEveryLineOldestFirst() {
        #expect(RuntimeSpec.parse("all").map(\.name) == ["bullseye", "bookworm", "trixie", "sid", "experimental"])
    }

    @Test(arguments: ["./trixie", "/opt/openssl-4.0", ".runtimes/sid", "3.5.1", "4"])
    func anythingElseIsAFolder(argument: String) {
        #expect(RuntimeSpec.parse(argument) == [.folder(argument)])
    }

    @Test func systemAndRepeatsCollapse() {
        let specs = ["system", "3.5", "trixie", "all"].flatMap(RuntimeSpec.parse)
        #expect(RuntimeSpec.distinct(specs).map(\.name) == ["system", "trixie", "bullseye", "bookworm", "sid", "experimental"])
    }

    @Test func theCacheFollowsXDGAndIsKeyedByTheBuild() {
        let build = BuildIdentity(version: "1.2.3", buildID: "00112233445566778899aabbccddeeff00112233")
        #expect(RuntimeCache(environment: ["XDG_CACHE_HOME": "/var/cache/me", "HOME": "/home/u"], build: build).runtimes
            == "/var/cache/me/tlsprobe/1.2.3-0011223344556677/runtimes")
        // The XDG rule: a relative value is ignored.
        #expect(RuntimeCache(environment: ["XDG_CACHE_HOME": "cache", "HOME": "/home/u"], build: build).root
            == "/home/u/.cache/tlsprobe/1.2.3-0011223344556677")
        #expect(RuntimeCache(environment: ["HOME": "/home/u"], build: build).workers == "/home/u/.cache/tlsprobe/1.2.3-0011223344556677/workers")
    }

    /// The running binary has a build id (the linker's), so two builds never share a cache folder.
    @Test func theRunningBuildHasABuildID() throws {
        let id = try #require(BuildIdentity.current.buildID)
        #expect(id.count >= 16 && id.allSatisfy(\.isHexDigit), "\(id)")
        #expect(BuildIdentity.buildID(of: "/nonexistent") == nil)
        #expect(BuildIdentity.buildID(of: #filePath) == nil, "a text file has none")
    }

    @Test func theSourceTreeIsFoundAboveTheBinaryOnly() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/tlsprobe").path
        #expect(RuntimeProvisioner.findSourceTree(executable: binary) == root.path)
        #expect(RuntimeProvisioner.findSourceTree(executable: "/usr/bin/true") == nil)
    }

    /// An installed tlsprobe's workers lie beside it: PREFIX/bin/tlsprobe, PREFIX/lib/tlsprobe/workers/ABI/tlsprobe.
    @Test func anInstalledBinaryLooksForItsWorkersUnderItsPrefix() {
        let provisioner = RuntimeProvisioner(executable: "/usr/bin/tlsprobe", environment: ["HOME": "/root"])
        #expect(provisioner.shippedWorker(for: "libssl.so.4") == "/usr/lib/tlsprobe/workers/libssl.so.4/tlsprobe")
        #expect(provisioner.sourceTree == nil)
    }

    @Test func theBinaryKnowsItsOwnABI() {
        #expect(RuntimeLauncher.ownABI.hasPrefix("libssl.so."))
        #expect(["libssl.so.1.1", "libssl.so.3", "libssl.so.4"].contains(RuntimeLauncher.ownABI))
    }
}
