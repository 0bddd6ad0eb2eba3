import Foundation
@testable import ProbeKit
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

    @Test func theCacheFollowsXDG() {
        #expect(RuntimeProvisioner.cacheFolder(["XDG_CACHE_HOME": "/var/cache/me", "HOME": "/home/u"])
            == "/var/cache/me/tlsprobe/runtimes")
        // The XDG rule: a relative value is ignored.
        #expect(RuntimeProvisioner.cacheFolder(["XDG_CACHE_HOME": "cache", "HOME": "/home/u"]) == "/home/u/.cache/tlsprobe/runtimes")
        #expect(RuntimeProvisioner.cacheFolder(["HOME": "/home/u"]) == "/home/u/.cache/tlsprobe/runtimes")
    }

    @Test func theSourceTreeIsFoundAboveTheBinary() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = root.appendingPathComponent(".build/debug/tlsprobe").path
        #expect(RuntimeProvisioner.findSourceTree(executable: binary, environment: [:]) == root.path)
        #expect(RuntimeProvisioner.findSourceTree(executable: "/usr/bin/true", environment: [:]) == nil)
        // An explicit root that is no source tree is not silently replaced by a guess.
        #expect(RuntimeProvisioner.findSourceTree(executable: binary, environment: ["TLSPROBE_SOURCE_ROOT": "/usr"]) == nil)
    }

    @Test func theBinaryKnowsItsOwnABI() {
        #expect(RuntimeLauncher.ownABI.hasPrefix("libssl.so."))
        #expect(["libssl.so.1.1", "libssl.so.3", "libssl.so.4"].contains(RuntimeLauncher.ownABI))
    }
}
