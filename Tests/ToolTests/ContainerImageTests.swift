@testable import BinaryAudit
import Foundation
import Testing
import TestSupport

/// A saved image's layout resolved from its JSON alone, and whiteouts decided from a
/// layer's names: what the first and last steps of `ContainerImage` decide without
/// reading a layer. The layers themselves are read in AuditImageTests.
@Suite struct ContainerImageTests {
    static func json(_ object: Any) -> [UInt8] {
        [UInt8](try! JSONSerialization.data(withJSONObject: object))
    }

    static let hex = String(repeating: "a1", count: 32)

    @Test func layoutNamesAreTheOnlyOnesAnImageHas() {
        for name in ["manifest.json", "index.json", "oci-layout", "blobs/sha256/\(Self.hex)", "\(Self.hex)/layer.tar", "\(Self.hex).json", ""] {
            #expect(ContainerImage.isLayoutName(name), "\(name)")
        }
        for name in ["usr/bin/x", "etc", "\(Self.hex)/other", "README.json", "blobs/sha256/x/y"] {
            #expect(!ContainerImage.isLayoutName(name), "\(name)")
        }
    }

    @Test func aDigestIsAlgorithmAndHexNeverAPath() {
        #expect(ContainerImage.isDigest("sha256:" + Self.hex))
        for bad in ["sha256:../../etc/passwd", "sha256:", ":abc", "sha256:ABC", "sha256/abc", "sha256:ab:cd", "a/b:abc"] {
            #expect(!ContainerImage.isDigest(bad), "\(bad)")
        }
        #expect(ImageLayer.short("sha256:" + Self.hex) == "sha256:a1a1a1a1a1a1")
    }

    @Test func whiteoutsOpaqueFoldersAndReplacementsHideLowerFiles() {
        var upper = ImageLayerContent()
        upper.whiteouts = ["usr/bin/b", "opt"]
        upper.opaque = ["var/lib"]
        upper.names = ["usr/bin/c": false, "srv": false, "etc": true, "etc/x": false]
        for hidden in ["usr/bin/b", "opt/tool/bin/x", "var/lib/app/x", "usr/bin/c", "srv/x", "etc/x"] {
            #expect(upper.hides(hidden), "\(hidden)")
        }
        for kept in ["usr/bin/a", "usr/bin/bb", "var/lib", "var/libx/y", "etc/y", "optx"] {
            #expect(!upper.hides(kept), "\(kept)")
        }
        var root = ImageLayerContent()
        root.opaque = [""]
        #expect(root.hides("anything/at/all"))
    }

    @Test func dockerLayersComeInTheManifestsOrderWithTheirDiffIDs() {
        let config = "blobs/sha256/\(Self.hex)"
        let json = ["manifest.json": Self.json([["Config": config, "RepoTags": ["a:1", "a:latest"], "Layers": ["x/layer.tar", "../evil"]]]),
                    config: Self.json(["rootfs": ["diff_ids": ["sha256:" + String(repeating: "b2", count: 32), "sha256:" + Self.hex]]])]
        guard case .images(let images, let problems) = ContainerImage.resolveDocker(json: json, members: [:]) else {
            Issue.record("not resolved")
            return
        }
        #expect(images == [ContainerImage.Image(name: "a:1, a:latest", layers: [
            .init(member: "x/layer.tar", digest: "sha256:b2b2b2b2b2b2"), .init(member: "", digest: "layer 2"),
        ])])
        #expect(problems == ["a:1, a:latest: layer 2 is not a relative member name"])
    }

    /// An OCI layout whose index lists nothing is an error, not an audit of nothing.
    @Test func anImageLayoutListingNoImageIsAnError() throws {
        let folder = try Repository.scratch("image-empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.json(["imageLayoutVersion": "1.0.0"])).write(to: folder.appendingPathComponent("oci-layout"))
        try Data(Self.json(["schemaVersion": 2, "manifests": []])).write(to: folder.appendingPathComponent("index.json"))
        let image = folder.appendingPathComponent("empty.tar").path
        let tar = try ProcessRunner.run("/usr/bin/tar", ["-C", folder.path, "-cf", image, "oci-layout", "index.json"])
        try #require(tar.status == 0, "\(tar.stderr)")
        var stream = ArchiveStream(display: "e.tar", limit: .default)
        stream.readTarOrImage(image)
        #expect(stream.files.map(\.error) == ["saved image: its layout lists no image"])
    }

    @Test func ociIndexesNestedTooDeepOrNotJSONAreProblems() {
        var json: [String: [UInt8]] = [:], members: [String: Bool] = ["oci-layout": true]
        // Each index names the next one: deeper than the limit.
        var digests: [String] = []
        for level in 0...ContainerImage.indexDepthLimit + 1 { digests.append(String(repeating: String(format: "%02x", level), count: 32)) }
        for (level, digest) in digests.enumerated() {
            let next = level + 1 < digests.count ? digests[level + 1] : Self.hex
            json["blobs/sha256/\(digest)"] = Self.json(["manifests": [["digest": "sha256:" + next]]])
            members["blobs/sha256/\(digest)"] = true
        }
        json["index.json"] = Self.json(["manifests": [["digest": "sha256:" + digests[0]], ["digest": "sha256:../x"]]])
        guard case .images(let images, let problems) = ContainerImage.resolveOCI(json: json, members: members) else {
            Issue.record("not resolved")
            return
        }
        #expect(images.isEmpty)
        #expect(problems.contains { $0.contains("nested deeper than \(ContainerImage.indexDepthLimit)") }, "\(problems)")
        #expect(problems.contains { $0.contains("without a valid digest") }, "\(problems)")
        if case .failed(let reason) = ContainerImage.resolveOCI(json: ["index.json": Array("[1,2]".utf8)], members: members) {
            #expect(reason.contains("not JSON holding a manifests list"))
        } else {
            Issue.record("an index.json that is a list was resolved")
        }
    }
}
