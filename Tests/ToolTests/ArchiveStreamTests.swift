import Foundation
@testable import BinaryAudit
import Testing
import TestSupport

/// A package read as a stream in process, cut at every point and with bytes changed:
/// each read ends, the whole package as its files, every damaged one with an `error`
/// (a trap here would kill the test process, not fail one test).
@Suite struct ArchiveStreamTests {
    /// A `.deb` made with dpkg-deb holding the affected-pattern fixture and a script, xz-compressed.
    static func package(in folder: URL) throws -> String {
        let root = folder.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("DEBIAN"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        try "Package: cut\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: cut\n"
            .write(to: root.appendingPathComponent("DEBIAN/control"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: AuditFixtures.get().path("affected-pattern"), toPath: root.appendingPathComponent("usr/bin/affected").path)
        try "#!/bin/sh\n".write(to: root.appendingPathComponent("usr/bin/script"), atomically: true, encoding: .utf8)
        let deb = folder.appendingPathComponent("cut.deb").path
        let build = try ProcessRunner.run("/usr/bin/dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root.path, deb])
        try #require(build.status == 0, "\(build.stderr)")
        return deb
    }

    func read(_ path: String) -> ArchiveStream {
        var stream = ArchiveStream(display: "p.deb", limit: .default)
        stream.readPackage(path)
        return stream
    }

    @Test func everyPrefixAndMutationEndsAsFilesOrAnError() throws {
        let folder = try Repository.scratch("archive-stream-cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = try Array(Data(contentsOf: URL(fileURLWithPath: Self.package(in: folder))))
        let sound = read(folder.appendingPathComponent("cut.deb").path)
        #expect(sound.files.map(\.path) == ["p.deb:/usr/bin/affected"] && sound.files.first?.class == .affectedPattern)
        #expect(sound.info?.name == "cut" && sound.skipped.notELF == 1)

        let path = folder.appendingPathComponent("damaged.deb").path
        var errors = 0
        for length in stride(from: 0, to: whole.count, by: max(1, whole.count / 150)) {
            try Data(whole.prefix(length)).write(to: URL(fileURLWithPath: path))
            let cut = read(path)
            let error = cut.files.last { $0.path == "p.deb" }
            #expect(error?.class == .error && error?.error?.isEmpty == false, "\(length) of \(whole.count) bytes: \(cut.files.map(\.path))")
            if error != nil { errors += 1 }
        }
        #expect(errors > 100)
        try RPMAndImageStreamTests.mutants(of: whole) { mutant in
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            _ = read(path)
        }
    }
}
