import Foundation
@testable import Matrix
import Testing

/// How a `--bio-plugin` argument reads: an existing path first, then `NAME=a.so,b.so`.
@Suite struct BIOPluginArgumentTests {
    @Test func anExistingPathIsAPathEvenWithEqualsAndCommas() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-arg-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let odd = folder.appendingPathComponent("x=a,b.so").path
        try Data().write(to: URL(fileURLWithPath: odd))
        #expect(BIOPluginDescriber.Argument(odd) == .file(odd))
        #expect(BIOPluginDescriber.Argument(folder.path) == .folder(folder.path))
    }

    @Test func nameEqualsListsBuilds() {
        #expect(BIOPluginDescriber.Argument("ats=/b/ats-1.1.so,/b/ats-3.so") == .builds(name: "ats", paths: ["/b/ats-1.1.so", "/b/ats-3.so"]))
        #expect(BIOPluginDescriber.Argument("ats=/b/ats-3.so,") == .builds(name: "ats", paths: ["/b/ats-3.so", ""]), "an empty build is kept, to be refused")
        #expect(BIOPluginDescriber.Argument("not a name=/b/x.so") == .file("not a name=/b/x.so"), "no valid NAME: a (missing) file")
        #expect(BIOPluginDescriber.Argument("/nonexistent/plugin.so") == .file("/nonexistent/plugin.so"))
    }
}
