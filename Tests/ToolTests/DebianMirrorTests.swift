import Foundation
@testable import DebianArchive
import Testing
import TestSupport

/// Which Debian mirror a runtime comes from: the option, the variable, or the
/// host's own apt sources, in both formats; a host that names none is told so.
@Suite struct DebianMirrorTests {
    func sources(_ files: [String: String]) throws -> URL {
        let root = try Repository.scratch("apt-sources")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sources.list.d"), withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: root.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return root
    }

    @Test func aDebianHostsDeb822SourcesNameTheMainArchiveNotSecurityOrThirdParties() throws {
        let root = try sources([
            "sources.list.d/debian.sources": """
                Types: deb
                URIs: http://mirror.example/debian/
                Suites: bookworm bookworm-updates
                Components: main

                Types: deb
                URIs: http://mirror.example/debian-security
                Suites: bookworm-security
                Components: main
                """,
            "sources.list.d/vendor.list": "deb https://vendor.example/apt stable-vendor main\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let mirror = try DebianMirror.choose(given: nil, environment: [:], sourcesRoot: root.path).get()
        #expect(mirror.url == "http://mirror.example/debian")
        #expect(mirror.origin.hasSuffix("debian.sources"))
    }

    @Test func aOneLineSourcesListServesToo() throws {
        let root = try sources(["sources.list": "# a comment\ndeb [arch=amd64] http://ftp.example/debian trixie main contrib\n"])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try DebianMirror.choose(given: nil, environment: [:], sourcesRoot: root.path).get().url == "http://ftp.example/debian")
    }

    @Test func anUbuntuHostNamesNoDebianArchive() throws {
        let root = try sources([
            "sources.list.d/ubuntu.sources": "Types: deb\nURIs: http://archive.ubuntu.example/ubuntu\nSuites: noble noble-updates\nComponents: main\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let result = DebianMirror.choose(given: nil, environment: [:], sourcesRoot: root.path)
        guard case .failure(let why) = result else { Issue.record("chose \(result)"); return }
        #expect(why.description.contains("name no Debian archive"))
        // The variable and the option win over the sources, the option over the variable.
        let variable = DebianMirror.choose(given: nil, environment: ["TLSPROBE_DEBIAN_MIRROR": "http://m.example/debian/"], sourcesRoot: root.path)
        #expect(try variable.get() == DebianMirror(url: "http://m.example/debian", origin: "TLSPROBE_DEBIAN_MIRROR"))
        let option = DebianMirror.choose(given: "https://o.example/d", environment: ["TLSPROBE_DEBIAN_MIRROR": "http://m.example/debian"])
        #expect(try option.get().url == "https://o.example/d")
    }

    @Test(arguments: ["ftp://x.example/debian", "not a url", "http://", "file:///srv/debian", "http://a.example/debian\nb"])
    func aMirrorThatIsNoHTTPURLIsRefused(_ text: String) {
        guard case .failure(let why) = DebianMirror.choose(given: text, environment: [:]) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(why.description.contains("is not an http:// or https:// URL"))
    }
}
