import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// Container images saved as tar (issue 22), through the built binary. There is no
/// docker here, so the images are made as `docker save` and an OCI image layout lay
/// them out: layer tars made with `tar`, digests with `sha256sum`, the JSON written
/// here. Layer 1 holds fixture A (affected) and B (inherits); layer 2, gzip-compressed,
/// a whiteout of B and a new C (own BIO). A and C must be reported with their layers,
/// B counted as removed by a later layer, and nothing written anywhere.
@Suite struct AuditImageTests {
    enum Layout: String, CaseIterable {
        case docker, oci
    }

    /// The hex sha256 of the file at `path`.
    static func sha256(_ path: String) throws -> String {
        let run = try ProcessRunner.run("/usr/bin/sha256sum", [path])
        try #require(run.status == 0, "\(run.stderr)")
        return String(run.output.prefix(64))
    }

    static func write(_ object: Any, to path: String) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// The layers as tars in `folder`: `layer1.tar` (plain) and `layer2.tar.gz`, each from a tree of `entries`
    /// (member → fixture path, or `nil` for an empty file).
    static func layer(_ folder: URL, _ name: String, gzip: Bool, _ entries: [String: String?]) throws -> String {
        let tree = folder.appendingPathComponent(name + ".tree")
        for (member, source) in entries {
            let target = tree.appendingPathComponent(member)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if let source { try FileManager.default.copyItem(atPath: source, toPath: target.path) } else { try Data().write(to: target) }
        }
        let archive = folder.appendingPathComponent(name + (gzip ? ".tar.gz" : ".tar")).path
        try AuditStreamTests.tar(["-C", tree.path, "-cf", archive] + (gzip ? ["-z"] : []) + ["."])
        return archive
    }

    /// The saved image: its layers as the layout names them; `manifest` changes the manifest's
    /// layer list before it is written (a hostile image). The manifest is the tar's last member.
    static func save(_ layout: Layout, layers: [String], in folder: URL, name: String,
                     manifestLayers: (([String]) -> [String])? = nil) throws -> (image: String, digests: [String]) {
        let root = folder.appendingPathComponent(name + ".layout")
        let blobs = root.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        var digests: [String] = [], members: [String] = []
        for layer in layers {
            let digest = try sha256(layer)
            try FileManager.default.copyItem(atPath: layer, toPath: blobs.appendingPathComponent(digest).path)
            digests.append(digest)
            members.append("blobs/sha256/\(digest)")
        }
        let listed = manifestLayers?(members) ?? members
        let config = blobs.appendingPathComponent("config").path
        try write(["architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": digests.map { "sha256:" + $0 }]], to: config)
        let configDigest = try sha256(config)
        try FileManager.default.moveItem(atPath: config, toPath: blobs.appendingPathComponent(configDigest).path)
        var last: [String]
        switch layout {
        case .docker:
            try write([["Config": "blobs/sha256/\(configDigest)", "RepoTags": ["demo/proxy:1.0"], "Layers": listed]],
                      to: root.appendingPathComponent("manifest.json").path)
            last = ["manifest.json"]
        case .oci:
            let descriptors = listed.map { member in
                ["mediaType": "application/vnd.oci.image.layer.v1.tar" + (member.hasSuffix(digests.last!) ? "+gzip" : ""),
                 "digest": "sha256:" + (member.split(separator: "/").last.map(String.init) ?? member), "size": 1] as [String: Any]
            }
            let manifest = blobs.appendingPathComponent("manifest").path
            try write(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + configDigest, "size": 1],
                       "layers": descriptors], to: manifest)
            let manifestDigest = try sha256(manifest)
            try FileManager.default.moveItem(atPath: manifest, toPath: blobs.appendingPathComponent(manifestDigest).path)
            // A nested index, as a multi-platform image has: one platform here, another not saved.
            let nested = blobs.appendingPathComponent("index").path
            try write(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
                ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + manifestDigest, "size": 1,
                 "platform": ["architecture": "amd64", "os": "linux"]],
                ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + String(repeating: "ab", count: 32), "size": 1,
                 "platform": ["architecture": "arm64", "os": "linux"]],
            ]], to: nested)
            let nestedDigest = try sha256(nested)
            try FileManager.default.moveItem(atPath: nested, toPath: blobs.appendingPathComponent(nestedDigest).path)
            try write(["imageLayoutVersion": "1.0.0"], to: root.appendingPathComponent("oci-layout").path)
            try write(["schemaVersion": 2, "manifests": [
                ["mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + nestedDigest, "size": 1,
                 "annotations": ["org.opencontainers.image.ref.name": "demo/proxy:1.0"]],
            ]], to: root.appendingPathComponent("index.json").path)
            last = ["oci-layout", "index.json"]
        }
        // Layers first, the JSON that names them last: the order comes from the manifest.
        let image = folder.appendingPathComponent(name + ".img").path
        try AuditStreamTests.tar(["-C", root.path, "-cf", image, "blobs"] + last)
        return (image, digests.map { "sha256:" + $0.prefix(12) })
    }

    /// Each layout, its saved tar plain and gzip-compressed as a whole (`docker save | gzip`).
    @Test(arguments: Layout.allCases, [false, true])
    func aSavedImageIsAuditedLayerByLayerWithWhiteoutsHonoured(_ layout: Layout, _ compressed: Bool) throws {
        let fixtures = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-image")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Also a folder made opaque by layer 2: its file D in layer 1 is gone too.
        let first = try Self.layer(folder, "layer1", gzip: false, ["usr/bin/a": fixtures.path("affected-pattern"),
                                                                   "usr/bin/b": fixtures.path("inherits-socket-bio"),
                                                                   "opt/app/d": fixtures.path("no-custom-bio")])
        let second = try Self.layer(folder, "layer2", gzip: true, ["usr/bin/.wh.b": nil, "usr/bin/c": fixtures.path("own-bio"),
                                                                  "opt/app/.wh..wh..opq": nil])
        var (image, digests) = try Self.save(layout, layers: [first, second], in: folder, name: "proxy")
        if compressed {
            let gzip = try ProcessRunner.run("/usr/bin/gzip", [image])
            try #require(gzip.status == 0, "\(gzip.stderr)")
            image += ".gz"
        }
        let temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let run = try CLI.run(["audit", image, "--format", "json"], environment: ["TMPDIR": temporary.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.files.map(\.path) == ["\(image):/usr/bin/a", "\(image):/usr/bin/c"], "\(report.files)")
        let a = report.files.first { $0.path.hasSuffix("/a") }, c = report.files.first { $0.path.hasSuffix("/c") }
        #expect(a?.class == .affectedPattern)
        #expect(c?.class == .ownBIO)
        #expect(a?.image == ImageLayer(image: "demo/proxy:1.0", layer: 1, layers: 2, digest: digests[0]))
        #expect(c?.image == ImageLayer(image: "demo/proxy:1.0", layer: 2, layers: 2, digest: digests[1]))
        #expect(report.files.allSatisfy { $0.package == image })
        #expect(report.skipped.removedByLaterLayer == 2)
        #expect(AuditStreamTests.listing(temporary).isEmpty)
        let saved = folder.appendingPathComponent("report.json")
        try run.stdout.write(to: saved)
        let valid = try AuditCommandTests.validate(saved.path)
        #expect(valid.status == 0, "docs/audit-schema.json: \(valid.output) \(valid.stderr)")

        let text = try CLI.run(["audit", image, "--color", "never", "--wide"], environment: ["TMPDIR": temporary.path])
        #expect(text.output.contains("layer 2/2 \(digests[1])"), "\(text.output)")
        #expect(text.output.contains("2 removed by a later layer"), "\(text.output)")

        let markdown = try CLI.run(["audit", image, "--format", "markdown"], environment: ["TMPDIR": temporary.path])
        #expect(markdown.output.contains("`demo/proxy:1.0` layer 2/2 \(digests[1])"), "\(markdown.output)")

        // SARIF names the image and layer of each result.
        let sarif = try CLI.run(["audit", image, "--format", "sarif"], environment: ["TMPDIR": temporary.path])
        let log = try JSONSerialization.jsonObject(with: sarif.stdout) as? [String: Any]
        let results = ((log?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        let affected = results.first { $0["ruleId"] as? String == "affected-pattern" }?["properties"] as? [String: Any]
        #expect(affected?["Image"] as? String == "demo/proxy:1.0", "\(results)")
        #expect(affected?["Layer"] as? String == "1/2")
        #expect(affected?["LayerDigest"] as? String == digests[0])
    }

    /// Two images in one `docker save` tar sharing their base layer: each finding of the shared
    /// layer once per image, named by that image; what one image's top layer removes stays in the other.
    @Test func twoImagesSharingALayerEachNameTheirOwn() throws {
        let fixtures = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-image-two")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try Self.layer(folder, "base", gzip: false, ["usr/bin/a": fixtures.path("affected-pattern"),
                                                               "usr/bin/b": fixtures.path("inherits-socket-bio")])
        let top = try Self.layer(folder, "top", gzip: true, ["usr/bin/.wh.a": nil])
        let image = try Self.save(.docker, layers: [base, top], in: folder, name: "two").image
        // Rewrite the manifest: image one is base + top, image two is base alone.
        let root = folder.appendingPathComponent("two.layout")
        let members = try [base, top].map { "blobs/sha256/" + (try Self.sha256($0)) }
        try Self.write([["RepoTags": ["one:1"], "Layers": members], ["RepoTags": ["two:1"], "Layers": [members[0]]]],
                       to: root.appendingPathComponent("manifest.json").path)
        try FileManager.default.removeItem(atPath: image)
        try AuditStreamTests.tar(["-C", root.path, "-cf", image, "manifest.json", "blobs"])

        let run = try CLI.run(["audit", image, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        let named = report.files.map { "\($0.image?.image ?? "-") \($0.image?.layer ?? 0)/\($0.image?.layers ?? 0) \($0.path.split(separator: "/").last ?? "")" }
        // In the manifest's order of images; within a layer, in the layer's member order.
        #expect(named.first == "one:1 1/2 b" && named.dropFirst().sorted() == ["two:1 1/1 a", "two:1 1/1 b"], "\(named)")
        #expect(report.skipped.removedByLaterLayer == 1)
    }

    /// A manifest naming a layer the tar lacks, a layer that is no tar, and a layer with a `../`
    /// member: each an `error` line or a count, the rest still audited, nothing written to TMPDIR
    /// or the working folder.
    @Test(arguments: Layout.allCases)
    func hostileImagesGiveErrorLinesAndWriteNothing(_ layout: Layout) throws {
        let fixtures = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-image-hostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Self.layer(folder, "good", gzip: true, ["usr/bin/a": fixtures.path("affected-pattern")])
        let notTar = folder.appendingPathComponent("not-a-tar").path
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: notTar))
        // `../escape` as a member name: made with tar -P from a folder below the fixture.
        let work = folder.appendingPathComponent("evil/work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtures.path("affected-pattern"), toPath: folder.appendingPathComponent("evil/escape").path)
        try FileManager.default.copyItem(atPath: fixtures.path("own-bio"), toPath: work.appendingPathComponent("kept").path)
        let traversal = folder.appendingPathComponent("traversal.tar").path
        try AuditStreamTests.tar(["-C", work.path, "-cPf", traversal, "../escape", "kept"])
        let missing = "blobs/sha256/" + String(repeating: "0", count: 64)
        let (image, digests) = try Self.save(layout, layers: [good, notTar, traversal], in: folder, name: "hostile") { $0 + [missing] }
        let empty = folder.appendingPathComponent("cwd"), temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let run = try CLI.run(["audit", image, "--format", "json"], through: ["/usr/bin/env", "-C", empty.path],
                              environment: ["TMPDIR": temporary.path])
        #expect(run.status == 2, "an unreadable layer: \(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        let errors = report.files.filter { $0.class == .error }
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.contains { $0.image?.layer == 2 && $0.image?.digest == digests[1] && $0.error?.contains("not a tar archive") == true }, "\(errors)")
        #expect(errors.contains { $0.image?.layer == 4 && $0.error?.contains("is not in the archive") == true }, "\(errors)")
        #expect(report.files.first { $0.path == "\(image):/usr/bin/a" }?.class == .affectedPattern)
        #expect(report.files.first { $0.path == "\(image):/kept" }?.image?.layer == 3)
        #expect(!report.files.contains { $0.path.contains("escape") })
        #expect(report.skipped.unsafeNames == 1)
        let saved = folder.appendingPathComponent("report.json")
        try run.stdout.write(to: saved)
        let valid = try AuditCommandTests.validate(saved.path)
        #expect(valid.status == 0, "docs/audit-schema.json: \(valid.output) \(valid.stderr)")
        #expect(AuditStreamTests.listing(temporary).isEmpty)
        #expect(AuditStreamTests.listing(empty).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("escape").path))
    }
}
