import Foundation
import ProgramRun
import TestSupport
import Testing
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Where `tlsprobe run` finds the observer it preloads: beside an installed binary, or
/// built from a checkout (a copy of this one's observer sources and script, built for real).
@Suite struct ObserverLibraryTests {
    @Test func anInstalledBinaryFindsTheShippedObserver() throws {
        let prefix = try Repository.scratch("observer-installed")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let binary = try Self.file(prefix, "usr/bin/tlsprobe", mode: 0o755)
        let shipped = try Self.file(prefix, "usr/lib/tlsprobe/libtlsprobe-observer.so", mode: 0o644)
        #expect(try ObserverLibrary.locate(executable: binary, sourceTree: nil) == shipped)
        // Through a link to the binary (/usr/local/bin/tlsprobe → /usr/bin/tlsprobe), the same.
        let link = prefix.appendingPathComponent("tlsprobe-link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: binary)
        #expect(try ObserverLibrary.locate(executable: link, sourceTree: nil) == shipped)

        chmod(shipped, 0o666)
        let untrusted = #expect(throws: InputError.self) { try ObserverLibrary.locate(executable: binary, sourceTree: nil) }
        #expect(untrusted?.message.contains("will not preload \(shipped)") == true && untrusted?.message.contains("writable by other users") == true,
                "\(String(describing: untrusted))")
        try FileManager.default.removeItem(atPath: shipped)
        let missing = #expect(throws: InputError.self) { try ObserverLibrary.locate(executable: binary, sourceTree: nil) }
        #expect(missing?.description == "observer: libtlsprobe-observer.so is not installed (looked for \(shipped)); reinstall the tlsprobe package")
    }

    /// In a checkout it is built when missing, kept while current, built again once a source is
    /// newer, and a build that fails says what the compiler said.
    @Test func aCheckoutBuildsItWhenMissingOrStale() throws {
        let tree = try Repository.scratch("observer-tree")
        defer { try? FileManager.default.removeItem(at: tree) }
        for source in ["Sources/CWriteObserver/interpose.c", "Sources/CWriteObserver/interpose.h",
                       "Sources/CWriteObserver/preload/recorder.c", "scripts/build-observer"] {
            let target = tree.appendingPathComponent(source)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Repository.path(source), toPath: target.path)
        }
        let binary = tree.appendingPathComponent(".build/debug/tlsprobe").path
        let built = try ObserverLibrary.locate(executable: binary, sourceTree: tree.path)
        #expect(built == tree.path + "/.build-observer/libtlsprobe-observer.so")
        let first = try Self.modified(built)
        // Current: not built again.
        #expect(try ObserverLibrary.locate(executable: binary, sourceTree: tree.path) == built)
        #expect(try Self.modified(built) == first)
        // A source newer than the build: built again.
        let recorder = tree.appendingPathComponent("Sources/CWriteObserver/preload/recorder.c").path
        try FileManager.default.setAttributes([.modificationDate: first.addingTimeInterval(60)], ofItemAtPath: recorder)
        #expect(try ObserverLibrary.locate(executable: binary, sourceTree: tree.path) == built)
        #expect(try Self.modified(built) > first)
        // A source that does not compile: the error names the build and what cc said; the old build stays.
        try ("this is not C;\n" + String(contentsOfFile: recorder, encoding: .utf8)).write(toFile: recorder, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(120)], ofItemAtPath: recorder)
        let failed = #expect(throws: InputError.self) { try ObserverLibrary.locate(executable: binary, sourceTree: tree.path) }
        #expect(failed?.message.hasPrefix("scripts/build-observer \(built) failed (exit status 1): ") == true && failed?.message.contains("error") == true,
                "\(String(describing: failed))")
        #expect(FileManager.default.fileExists(atPath: built))
    }

    private static func file(_ root: URL, _ relative: String, mode: mode_t) throws -> String {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: url)
        chmod(url.path, mode)
        return url.path
    }

    private static func modified(_ path: String) throws -> Date {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
    }
}
