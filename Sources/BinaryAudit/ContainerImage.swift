import ELFInspection
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A container image saved as a tar (`docker save`, or an OCI image layout such as
/// `skopeo copy … oci-archive:` writes), audited as a stream: each layer read in
/// turn as a tar nested in the saved tar (plain, gzip or zstd compressed, as
/// libarchive's filters read it), as a `.deb`'s `data.tar` is read inside its `ar`,
/// only ELF members read and into memory, nothing written to disk.
///
/// Which members are layers, and in which order, only the image's JSON says
/// (`manifest.json` for `docker save`; `oci-layout`, `index.json`, a manifest blob,
/// possibly behind a nested index, for OCI), and that JSON may come after the
/// layers in the tar. So the saved tar is read twice: a first pass (`scan`) keeps
/// only the small JSON members (each at most `jsonLimit`, all together at most
/// `jsonTotalLimit`) and steps over the rest (libarchive seeks over an uncompressed
/// tar's members), and the second reads the layers the manifests name, in the tar's
/// order, keeping per layer only its findings and its member names (`ImageLayerContent`).
/// Whiteouts are then applied in the manifest's order: a file a later layer
/// removes (`.wh.NAME`, an opaque `.wh..wh..opq` directory) or replaces (any member
/// at its path, or a non-directory at a folder above it) is not reported, only
/// counted (`AuditSkipped.removedByLaterLayer`).
///
/// A tar is taken for an image only when every member up to its layout's JSON has
/// a name an image layout uses (`manifest.json`, `index.json`, `oci-layout`,
/// `repositories`, `blobs/…`, `<id>/layer.tar`, `<hex>.json`): the first other name
/// ends the scan and the tar is read as any tar. Everything in an image is
/// untrusted: JSON past its limit or not of the expected shape, a digest that is
/// not `algorithm:hex`, more than `layerLimit` layers, indexes nested deeper than
/// `indexDepthLimit`, a layer the tar lacks, a layer that is a link or not a tar,
/// a layer with more than `namesLimit` members are `error` lines naming the image
/// and layer. Layer digests are taken from the manifests, not recomputed.
enum ContainerImage {
    static let jsonLimit = 1 << 20
    static let jsonTotalLimit = 16 << 20
    static let layerLimit = 512
    static let indexDepthLimit = 4
    /// Member names remembered per layer (for whiteouts and replacements): a real layer has tens of
    /// thousands; at about 100 bytes a name, the bound keeps one layer's names near 100 MB.
    static let namesLimit = 1_000_000
    /// Members of the saved tar itself: an image has a few per layer.
    static let outerMembersLimit = 100_000

    /// One image in the saved tar: what reports call it, and its layers bottom first.
    struct Image: Equatable {
        let name: String
        let layers: [Layer]
    }

    struct Layer: Equatable {
        /// The member of the saved tar holding the layer (`blobs/sha256/…`, `<id>/layer.tar`).
        let member: String
        /// Short form (`ImageLayer.short`).
        let digest: String
    }

    /// What the first pass found.
    enum Scan {
        /// Not an image layout: read as any tar.
        case notImage
        case failed(String)
        /// The images in the order the layout lists them; `problems` are images or layers that could not be resolved.
        case images([Image], problems: [String])
    }

    /// Names an image layout's members have; anything else means the tar is no saved image.
    static func isLayoutName(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        switch parts.count {
        case 0: return true
        case 1: return ["manifest.json", "index.json", "oci-layout", "repositories", "blobs"].contains(parts[0])
            || isHex(parts[0]) || (parts[0].hasSuffix(".json") && isHex(parts[0].dropLast(5)))
        case 2: return parts[0] == "blobs" || (isHex(parts[0]) && ["layer.tar", "json", "VERSION"].contains(parts[1]))
        case 3: return parts[0] == "blobs"
        default: return false
        }
    }

    static func isHex(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 128 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// The first pass over the saved tar at `path`.
    static func scan(_ path: String) -> Scan {
        var json: [String: [UInt8]] = [:]
        var total = 0
        var members: [String: Bool] = [:]   // name → a plain regular member
        var sawLayout = false
        do throws(UnreadableFile) {
            let reader = try ArchiveReader(path: path, formats: .tar)
            while let member = try reader.next() {
                guard let name = ArchiveStream.relativeName(member.name) else { return sawLayout ? .failed("a member of the saved image is named '\(member.name)': absolute or with '..'") : .notImage }
                guard isLayoutName(name) else { return .notImage }
                if ["manifest.json", "index.json", "oci-layout"].contains(name) { sawLayout = true }
                guard member.type != S_IFDIR else { continue }
                members[name] = member.type == S_IFREG && !member.isHardLink
                guard members.count <= outerMembersLimit else {
                    return .failed("more than \(outerMembersLimit) members in the saved tar: not a saved image tlsprobe reads")
                }
                if name == "manifest.json" || name == "index.json", let size = member.size, size > Int64(jsonLimit) {
                    return .failed("its \(name) is \(size) bytes, more than the \(jsonLimit >> 10) KiB tlsprobe reads")
                }
                guard member.type == S_IFREG, !member.isHardLink, (member.size ?? 0) <= Int64(jsonLimit) else { continue }
                var bytes: [UInt8] = []
                // JSON starts with a bracket, maybe after white space; a layer (tar, gzip, zstd) never does.
                guard try !reader.read(into: &bytes, upTo: 1), let first = bytes.first, Array("{[ \t\r\n".utf8).contains(first) else {
                    continue
                }
                guard try reader.read(into: &bytes, upTo: jsonLimit + 1), bytes.count <= jsonLimit else { continue }
                total += bytes.count
                guard total <= jsonTotalLimit else {
                    return .failed("its JSON members add up to more than \(jsonTotalLimit >> 20) MiB: not a saved image tlsprobe reads")
                }
                json[name] = bytes
            }
        } catch {
            return sawLayout ? .failed("the saved image: \(error.reason)") : .notImage
        }
        if json["manifest.json"] != nil {
            return resolveDocker(json: json, members: members)
        }
        if members["oci-layout"] != nil, json["index.json"] != nil {
            return resolveOCI(json: json, members: members)
        }
        return sawLayout ? .failed("an image layout without a manifest.json, or an oci-layout and index.json, that tlsprobe can read") : .notImage
    }

    /// `docker save`'s `manifest.json`: `[{"Config": …, "RepoTags": […], "Layers": […]}]`.
    static func resolveDocker(json: [String: [UInt8]], members: [String: Bool]) -> Scan {
        guard let list = object(json["manifest.json"]) as? [Any], !list.isEmpty else {
            return .failed("its manifest.json is not JSON holding a list of images")
        }
        var images: [Image] = [], problems: [String] = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any], let layers = entry["Layers"] as? [Any] else {
                problems.append("image \(index + 1) of manifest.json has no Layers list")
                continue
            }
            let config = (entry["Config"] as? String).flatMap(ArchiveStream.relativeName)
            let tags = (entry["RepoTags"] as? [Any])?.compactMap { $0 as? String } ?? []
            let name = tags.isEmpty
                ? config.map { "sha256:" + String(($0.split(separator: "/").last ?? "").replacingOccurrences(of: ".json", with: "").prefix(12)) }
                    ?? "image \(index + 1)"
                : tags.joined(separator: ", ")
            guard layers.count <= layerLimit else {
                problems.append("\(name): \(layers.count) layers, more than \(layerLimit)")
                continue
            }
            let diffIDs = ((config.flatMap { object(json[$0]) } as? [String: Any])?["rootfs"] as? [String: Any])?["diff_ids"] as? [Any]
            var resolved: [Layer] = []
            for (position, layer) in layers.enumerated() {
                guard let text = layer as? String, let member = ArchiveStream.relativeName(text), !member.isEmpty else {
                    problems.append("\(name): layer \(position + 1) is not a relative member name")
                    resolved.append(Layer(member: "", digest: "layer \(position + 1)"))
                    continue
                }
                var digest = member
                if let ids = diffIDs, ids.count == layers.count, let id = ids[position] as? String, isDigest(id) {
                    digest = id
                } else if member.hasPrefix("blobs/sha256/") {
                    digest = "sha256:" + member.dropFirst("blobs/sha256/".count)
                }
                resolved.append(Layer(member: member, digest: ImageLayer.short(digest)))
            }
            images.append(Image(name: name, layers: resolved))
        }
        return .images(images, problems: problems)
    }

    /// An OCI image layout: `index.json` → manifests (through nested indexes) → layers.
    static func resolveOCI(json: [String: [UInt8]], members: [String: Bool]) -> Scan {
        guard let index = object(json["index.json"]) as? [String: Any], let manifests = index["manifests"] as? [Any] else {
            return .failed("its index.json is not JSON holding a manifests list")
        }
        var images: [Image] = [], problems: [String] = []

        func blob(_ digest: String) -> String? {
            guard isDigest(digest) else { return nil }
            return "blobs/" + digest.replacingOccurrences(of: ":", with: "/")
        }

        func visit(_ descriptors: [Any], depth: Int, name inherited: String?, nested: Bool) {
            var found = 0
            var missing: [String] = []
            for item in descriptors {
                guard let descriptor = item as? [String: Any], let digest = descriptor["digest"] as? String, let path = blob(digest) else {
                    problems.append("a manifest descriptor without a valid digest (algorithm:hex)")
                    continue
                }
                let annotations = descriptor["annotations"] as? [String: Any]
                let name = inherited ?? (annotations?["org.opencontainers.image.ref.name"] as? String)
                    ?? (annotations?["io.containerd.image.name"] as? String) ?? ImageLayer.short(digest)
                guard members[path] != nil else {
                    missing.append("\(name): its manifest \(ImageLayer.short(digest)) is not in the archive")
                    continue
                }
                found += 1
                guard let content = object(json[path]) as? [String: Any] else {
                    problems.append("\(name): its manifest \(ImageLayer.short(digest)) is not a JSON object of at most \(jsonLimit >> 10) KiB")
                    continue
                }
                if let inner = content["manifests"] as? [Any] {
                    guard depth < indexDepthLimit else {
                        problems.append("\(name): image indexes nested deeper than \(indexDepthLimit)")
                        continue
                    }
                    visit(inner, depth: depth + 1, name: name, nested: true)
                    continue
                }
                guard let layers = content["layers"] as? [Any] else {
                    problems.append("\(name): its manifest \(ImageLayer.short(digest)) has neither layers nor manifests")
                    continue
                }
                guard layers.count <= layerLimit else {
                    problems.append("\(name): \(layers.count) layers, more than \(layerLimit)")
                    continue
                }
                var resolved: [Layer] = []
                for (position, layer) in layers.enumerated() {
                    guard let layerDigest = (layer as? [String: Any])?["digest"] as? String, let member = blob(layerDigest) else {
                        problems.append("\(name): layer \(position + 1) has no valid digest")
                        resolved.append(Layer(member: "", digest: "layer \(position + 1)"))
                        continue
                    }
                    resolved.append(Layer(member: member, digest: ImageLayer.short(layerDigest)))
                }
                images.append(Image(name: name, layers: resolved))
            }
            // A nested index lists every platform; a saved image holds the ones pulled. Missing
            // manifests are a problem only when none of the index's is there.
            if !nested || found == 0 { problems += missing }
        }
        visit(manifests, depth: 0, name: nil, nested: false)
        return .images(images, problems: problems)
    }

    /// `sha256:` and 64 hex digits (or another algorithm and its hex): never a path of its own.
    static func isDigest(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[0].count <= 32
            && parts[0].allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "." || $0 == "_" || $0 == "-" }
            && isHex(parts[1])
    }

    /// The JSON value in `bytes`; `nil` for none or one that does not parse.
    static func object(_ bytes: [UInt8]?) -> Any? {
        guard let bytes else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes), options: [])
    }
}
