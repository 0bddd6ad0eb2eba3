import ELFInspection
#if canImport(Glibc)
import Glibc
#endif

/// What one layer of a saved container image left after it was read: its findings
/// (ELF files and errors, by member name) and the names that decide what it hides
/// in the layers below it. Never its bytes: a layer is read as a stream and gone.
struct ImageLayerContent {
    /// Findings in member order, each with its member's relative name.
    var files: [(member: String, file: AuditedFile)] = []
    /// Every member's relative name, and whether it is a directory: a non-directory replaces
    /// a lower layer's file at its path and everything under it.
    var names: [String: Bool] = [:]
    /// `usr/bin/b` for a member `usr/bin/.wh.b`.
    var whiteouts = Set<String>()
    /// `usr/share` for a member `usr/share/.wh..wh..opq`; `""` for one at the root.
    var opaque = Set<String>()
    var skipped = AuditSkipped()
    /// Why the layer could not be read to its end, when it could not.
    var error: String?

    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"

    /// Reads the layer `reader` is on (a tar nested in the saved tar), naming files `display:/member`.
    static func read(_ reader: ArchiveReader, display: String, limit: MemberLimit) -> ImageLayerContent {
        var content = ImageLayerContent()
        var stream = ArchiveStream(display: display, limit: limit)
        do throws(UnreadableFile) {
            while let member = try reader.next() {
                guard let name = ArchiveStream.relativeName(member.name) else {
                    stream.skipped.unsafeNames += 1
                    continue
                }
                let parts = name.split(separator: "/")
                let folder = parts.dropLast().joined(separator: "/")
                if let last = parts.last, last.hasPrefix(whiteoutPrefix) {
                    if last == opaqueMarker {
                        content.opaque.insert(folder)
                    } else {
                        let removed = String(last.dropFirst(whiteoutPrefix.count))
                        content.whiteouts.insert(folder.isEmpty ? removed : folder + "/" + removed)
                    }
                    continue
                }
                guard !name.isEmpty else { continue }
                content.names[name] = member.type == S_IFDIR && !member.isHardLink
                guard content.names.count <= ContainerImage.namesLimit else {
                    throw UnreadableFile(reason: "more than \(ContainerImage.namesLimit) members: not read further")
                }
                if member.isHardLink {
                    stream.skipped.hardLinks += 1
                    continue
                }
                switch member.type {
                case S_IFDIR: continue
                case S_IFLNK: stream.skipped.memberSymlinks += 1; continue
                case S_IFREG: break
                default: stream.skipped.specialFiles += 1; continue
                }
                if member.isSparse {
                    stream.skipped.sparseMembers += 1
                    continue
                }
                let before = stream.files.count
                try stream.read(member, named: "\(display):/\(name)", from: reader)
                for file in stream.files[before...] { content.files.append((name, file)) }
            }
        } catch {
            content.error = error.reason
        }
        content.skipped = stream.skipped
        return content
    }

    /// Whether this layer, above the one holding `member`, removes or replaces it.
    func hides(_ member: String) -> Bool {
        if names[member] != nil || whiteouts.contains(member) || opaque.contains("") { return true }
        let parts = member.split(separator: "/")
        var folder = ""
        for part in parts.dropLast() {
            folder = folder.isEmpty ? String(part) : folder + "/" + part
            if whiteouts.contains(folder) || opaque.contains(folder) || names[folder] == false { return true }
        }
        return false
    }
}

extension ArchiveStream {
    /// Reads the tar at `path` as a saved container image when its layout says it is one
    /// (`ContainerImage.scan`), else as any tar archive.
    mutating func readTarOrImage(_ path: String) {
        switch ContainerImage.scan(path) {
        case .notImage:
            readTar(path)
        case .failed(let reason):
            files.append(.failed(display, package: display, reason: "saved image: \(reason)"))
        case .images(let images, let problems) where images.isEmpty && problems.isEmpty:
            files.append(.failed(display, package: display, reason: "saved image: its layout lists no image"))
        case .images(let images, let problems):
            readImages(images, problems: problems, path: path)
        }
    }

    /// The second pass: every layer the images name, read once in the tar's order, then each
    /// image's findings in its manifest's order, with what later layers hide taken out.
    private mutating func readImages(_ images: [ContainerImage.Image], problems: [String], path: String) {
        for problem in problems { files.append(.failed(display, package: display, reason: "saved image: \(problem)")) }
        let wanted = Set(images.flatMap { $0.layers.map(\.member) }.filter { !$0.isEmpty })
        var contents: [String: ImageLayerContent] = [:]
        var outerError: String?
        do throws(UnreadableFile) {
            let outer = try ArchiveReader(path: path, formats: .tar)
            while contents.count < wanted.count, let member = try outer.next() {
                guard let name = ArchiveStream.relativeName(member.name), wanted.contains(name), contents[name] == nil else { continue }
                guard member.type == S_IFREG, !member.isHardLink else {
                    var failed = ImageLayerContent()
                    failed.error = "it is a link or special member of the saved tar, not followed"
                    contents[name] = failed
                    continue
                }
                do throws(UnreadableFile) {
                    contents[name] = ImageLayerContent.read(try ArchiveReader(nested: outer, formats: .tar), display: display, limit: limit)
                } catch {
                    var failed = ImageLayerContent()
                    failed.error = "not a tar archive libarchive reads: \(error.reason)"
                    contents[name] = failed
                }
            }
        } catch {
            outerError = error.reason
        }
        for content in contents.values { skipped += content.skipped }
        for image in images {
            for (index, layer) in image.layers.enumerated() {
                let place = ImageLayer(image: image.name, layer: index + 1, layers: image.layers.count, digest: layer.digest)
                guard let content = contents[layer.member] else {
                    if !layer.member.isEmpty {
                        var failed = AuditedFile.failed(display, package: display, reason: outerError.map { "saved image: layer \(place.description): not read: \($0)" }
                            ?? "saved image: layer \(place.description): \(layer.member) is not in the archive")
                        failed.image = place
                        files.append(failed)
                    }
                    continue
                }
                if let error = content.error {
                    var failed = AuditedFile.failed(display, package: display, reason: "saved image: layer \(place.description) (\(layer.member)): \(error)")
                    failed.image = place
                    files.append(failed)
                }
                let above = image.layers[(index + 1)...].compactMap { contents[$0.member] }
                for (member, file) in content.files {
                    if above.contains(where: { $0.hides(member) }) {
                        skipped.removedByLaterLayer += 1
                        continue
                    }
                    var placed = file
                    placed.image = place
                    files.append(placed)
                }
            }
        }
        if let outerError, images.allSatisfy({ $0.layers.allSatisfy { contents[$0.member] != nil } }) {
            files.append(.failed(display, package: display, reason: "saved image: \(outerError)"))
        }
    }
}
