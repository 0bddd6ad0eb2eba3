import Foundation
@testable import BinaryAudit
import Testing
import TestSupport

/// An `.rpm` and a saved image read as streams in process, cut at every point and with
/// bytes changed: each read ends (a trap here would kill the test process, not fail one
/// test); every cut rpm ends with an `error`, and a cut or mutated image with files or
/// errors, never a file from outside it.
@Suite struct RPMAndImageStreamTests {
    /// Runs `tool` with `arguments`, failing the test on an error.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let run = try ProcessRunner.run(tool, arguments)
        try #require(run.status == 0, "\(tool) \(arguments): \(run.stderr)")
    }

    /// Mutates three bytes of `whole` 300 times with a fixed xorshift, handing each mutant to `body`.
    static func mutants(of whole: [UInt8], _ body: ([UInt8]) throws -> Void) rethrows {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {
            var mutant = whole
            for _ in 0..<3 {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                mutant[Int(state % UInt64(mutant.count))] = UInt8(truncatingIfNeeded: state >> 8)
            }
            try body(mutant)
        }
    }

    @Test func everyPrefixOfAnRPMEndsWithAnErrorAndNoMutationTraps() throws {
        let folder = try Repository.scratch("rpm-stream-cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rpm = try RPMFixture.build(in: folder, payload: "w6.xzdio")
        let whole = try Array(Data(contentsOf: URL(fileURLWithPath: rpm)))
        func read(_ path: String) -> ArchiveStream {
            var stream = ArchiveStream(display: "p.rpm", limit: .default)
            stream.readRPM(path)
            return stream
        }
        let sound = read(rpm)
        #expect(sound.files.map(\.path).sorted() == ["p.rpm:/usr/bin/affected", "p.rpm:/usr/lib/inherits.so"])
        #expect(sound.info?.name == "tlsprobe-fixture")

        let path = folder.appendingPathComponent("damaged.rpm").path
        for length in stride(from: 0, to: whole.count, by: max(1, whole.count / 150)) {
            try Data(whole.prefix(length)).write(to: URL(fileURLWithPath: path))
            let cut = read(path)
            let error = cut.files.last { $0.path == "p.rpm" }
            #expect(error?.class == .error && error?.error?.isEmpty == false, "\(length) of \(whole.count) bytes: \(cut.files.map(\.path))")
        }
        try Self.mutants(of: whole) { mutant in
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            _ = read(path)
        }
    }

    @Test func cutAndMutatedImagesEndAsFilesOrErrors() throws {
        let folder = try Repository.scratch("image-stream-cut")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree/usr/bin"), root = folder.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: AuditFixtures.get().path("affected-pattern"), toPath: tree.appendingPathComponent("affected").path)
        let layer = folder.appendingPathComponent("layer.tar.gz").path
        try Self.run("/usr/bin/tar", ["-C", folder.appendingPathComponent("tree").path, "-czf", layer, "."])
        let blob = "blobs/sha256/" + String(repeating: "c3", count: 32)
        try FileManager.default.copyItem(atPath: layer, toPath: root.appendingPathComponent(blob).path)
        try Data(#"[{"RepoTags":["cut:1"],"Layers":["\#(blob)"]}]"#.utf8).write(to: root.appendingPathComponent("manifest.json"))
        let image = folder.appendingPathComponent("image.tar").path
        try Self.run("/usr/bin/tar", ["-C", root.path, "-cf", image, "manifest.json", "blobs"])
        let whole = try Array(Data(contentsOf: URL(fileURLWithPath: image)))
        func read(_ path: String) -> ArchiveStream {
            var stream = ArchiveStream(display: "i.tar", limit: .default)
            stream.readTarOrImage(path)
            return stream
        }
        let sound = read(image)
        #expect(sound.files.map(\.path) == ["i.tar:/usr/bin/affected"])
        #expect(sound.files.first?.image == ImageLayer(image: "cut:1", layer: 1, layers: 1, digest: "sha256:c3c3c3c3c3c3"))

        let path = folder.appendingPathComponent("damaged.tar").path
        func check(_ stream: ArchiveStream, _ label: String) {
            for file in stream.files {
                #expect(file.path == "i.tar" || file.path == "i.tar:/usr/bin/affected", "\(label): \(file.path)")
                #expect((file.class == .error) == (file.error != nil), "\(label): \(file)")
            }
        }
        // A cut is an error, or (cut in the tar's end padding, after everything the manifest names) the whole image.
        var errors = 0
        for length in stride(from: 0, to: whole.count, by: max(1, whole.count / 150)) {
            try Data(whole.prefix(length)).write(to: URL(fileURLWithPath: path))
            let cut = read(path)
            check(cut, "\(length) of \(whole.count) bytes")
            if cut.files.contains(where: { $0.class == .error }) {
                errors += 1
            } else {
                #expect(length == 0 || (cut.files == sound.files && length >= whole.count - 10240), "\(length) of \(whole.count) bytes: \(cut.files)")
            }
        }
        #expect(errors > 80)
        try Self.mutants(of: whole) { mutant in
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            check(read(path), "a mutant")
        }
    }
}
