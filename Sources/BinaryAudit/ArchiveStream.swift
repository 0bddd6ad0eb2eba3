import ELFInspection
#if canImport(Glibc)
import Glibc
#endif

/// A `.deb` or a tar archive audited as a stream with libarchive (`ArchiveReader`):
/// read in one pass, each member's first four bytes deciding whether it is ELF, only
/// ELF members read (into memory, up to a `MemberLimit`) and classified from there.
/// Nothing is written to disk and nothing is extracted, so a member's name can never
/// lead anywhere: names are only what the report calls the files.
///
/// A `.deb` is an `ar` archive whose first member is `debian-binary`; its
/// `control.tar.*` gives the package's identity (`./control`, parsed as
/// `DebianPackageInfo`), its `data.tar.*` (xz, zstd, gzip, bzip2, lzma or none) the
/// files, each read as a tar nested in the `ar` stream. A file named `.deb` whose
/// content is a tar archive is an `error` saying it is no Debian package (not
/// audited as a tar: a packager who gives a `.deb` means a package). A truncated or
/// corrupt archive is an `error` with libarchive's words; the files read before the
/// damage stay in the report.
///
/// Members that are not regular files are counted in `AuditSkipped`, never read:
/// symlinks (`memberSymlinks`), hard links (`hardLinks`: the member they name was read
/// before them, and its result is reported again under the link's name, as an unpacked
/// tree shows it under both), devices and FIFOs (`specialFiles`), sparse members
/// (`sparseMembers`); a member with an absolute name or a `..` component is
/// counted (`unsafeNames`) and not read whatever its type.
struct ArchiveStream: Sendable {
    /// What the report calls the archive (as given), and every member's `package`.
    let display: String
    let limit: MemberLimit
    // Set by the readers of other formats too (RPMPackage, ContainerImage), in their own files.
    var files: [AuditedFile] = []
    var skipped = AuditSkipped()
    /// The package's control data, once its `./control` was read.
    var info: DebianPackageInfo?

    init(display: String, limit: MemberLimit) {
        self.display = display
        self.limit = limit
    }

    /// The control member's `./control` may be this large: a few fields fit many times over.
    static let controlLimit = 64 << 10

    /// A tar archive (plain or compressed) by its content: libarchive recognises one and reads its
    /// first header. An ELF file is none, and is told so without loading libarchive (an audit of
    /// binaries alone never maps it). Without libarchive, a file whose first bytes are a tar
    /// header's or a compressor's (`hasCompressedOrTarMagic`) is taken for one, so that its audit is
    /// an `error` naming what to install, not a file silently counted as not ELF.
    static func isTar(_ path: String) -> Bool {
        guard let file = try? RegularFile(path: path) else { return false }
        var head = [UInt8](repeating: 0, count: 265)
        let count = pread(file.descriptor, &head, head.count, 0)
        guard count >= 0 else { return false }
        head.removeLast(head.count - count)
        guard !head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) else { return false }
        guard case .success = LibArchive.shared else { return hasCompressedOrTarMagic(head) }
        guard let reader = try? ArchiveReader(path: path, formats: .tar) else { return false }
        return (try? reader.next()) != nil
    }

    /// A file's first bytes are a ustar header's (`ustar` at 257) or those of a compressor
    /// ArchiveReader reads (gzip, bzip2, xz, lzma, zstd, lz4). Asked only when libarchive
    /// is missing, to name the archives it would have read.
    static func hasCompressedOrTarMagic(_ head: [UInt8]) -> Bool {
        let magics: [[UInt8]] = [[0x1F, 0x8B], Array("BZh".utf8), [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x5D, 0x00, 0x00],
                                 [0x28, 0xB5, 0x2F, 0xFD], [0x04, 0x22, 0x4D, 0x18]]
        if magics.contains(where: { head.starts(with: $0) }) { return true }
        return head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8)
    }

    /// The control data of the package at `path`, read as `readPackage` reads it but stopping
    /// after its control member (which dpkg-deb writes before the data): what places a
    /// package in a shard. `nil` when libarchive is missing or the package names no control
    /// data it can read; the caller then asks dpkg-deb.
    static func packageInfo(_ path: String) -> DebianPackageInfo? {
        guard case .success = LibArchive.shared,
              let outer = try? ArchiveReader(path: path, formats: .ar),
              (try? outer.next())?.name == "debian-binary" else { return nil }
        while let member = try? outer.next() {
            if member.name.hasPrefix("control.tar") {
                guard let control = try? ArchiveReader(nested: outer, formats: .tar) else { return nil }
                return try? Self.control(in: control)
            }
            if member.name.hasPrefix("data.tar") { return nil }
        }
        return nil
    }

    /// Reads the package at `path`; a package that cannot be read ends with an `error` file naming why.
    mutating func readPackage(_ path: String) {
        if case .failure(let missing) = LibArchive.shared {
            fail(missing.reason)
            return
        }
        do throws(UnreadableFile) {
            let outer: ArchiveReader
            let first: ArchiveReader.Member?
            do throws(UnreadableFile) {
                outer = try ArchiveReader(path: path, formats: .ar)
                first = try outer.next()
            } catch {
                throw Self.isTar(path)
                    ? UnreadableFile(reason: "not a Debian package: its content is a tar archive, not an ar archive starting with debian-binary")
                    : UnreadableFile(reason: "not a Debian package: \(error.reason)")
            }
            guard let first else { throw UnreadableFile(reason: "not a Debian package: an ar archive without a member libarchive can read") }
            guard first.name == "debian-binary" else {
                throw UnreadableFile(reason: "not a Debian package: an ar archive whose first member is '\(first.name)', not debian-binary")
            }
            var sawData = false
            while let member = try outer.next() {
                if member.name.hasPrefix("control.tar") {
                    let control = try ArchiveReader(nested: outer, formats: .tar)
                    info = try Self.control(in: control)
                } else if member.name.hasPrefix("data.tar") {
                    guard !sawData else { throw UnreadableFile(reason: "two data members: not a package dpkg would install") }
                    sawData = true
                    try readMembers(ArchiveReader(nested: outer, formats: .tar))
                }
            }
            guard sawData else { throw UnreadableFile(reason: "no data.tar member: not a Debian package") }
        } catch {
            files.append(.failed(display, package: display, reason: error.reason))
        }
        if let info { files = files.map { var file = $0; file.packageInfo = info; return file } }
    }

    /// The archive could not be read at all, for `reason` (an unusable setting).
    mutating func fail(_ reason: String) {
        files.append(.failed(display, package: display, reason: reason))
    }

    /// Reads the tar archive (plain or compressed) at `path`.
    mutating func readTar(_ path: String) {
        do throws(UnreadableFile) {
            try readMembers(ArchiveReader(path: path, formats: .tar))
        } catch {
            files.append(.failed(display, package: display, reason: error.reason))
        }
    }

    /// The package's identity from its control archive's `./control`; `nil` when it has none or lacks a field.
    private static func control(in reader: ArchiveReader) throws(UnreadableFile) -> DebianPackageInfo? {
        while let member = try reader.next() {
            guard member.type == S_IFREG, !member.isHardLink, relativeName(member.name) == "control" else { continue }
            var bytes: [UInt8] = []
            guard try reader.read(into: &bytes, upTo: controlLimit + 1), bytes.count <= controlLimit else {
                throw UnreadableFile(reason: "its control file is larger than \(controlLimit >> 10) KiB: not read")
            }
            return DebianPackageInfo.parse(String(decoding: bytes, as: UTF8.self))
        }
        return nil
    }

    /// `./usr/bin/x` → `usr/bin/x`; `nil` for an absolute name or one with a `..` component.
    static func relativeName(_ name: String) -> String? {
        guard !name.hasPrefix("/") else { return nil }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains("..") else { return nil }
        return parts.filter { $0 != "." }.joined(separator: "/")
    }

    mutating func readMembers(_ reader: ArchiveReader) throws(UnreadableFile) {
        // Each member that gave a result (ELF, or an error), by name: the index of its result in
        // `files`. Only those: the map never outgrows the report.
        var results: [String: Int] = [:]
        while let member = try reader.next() {
            guard let relative = Self.relativeName(member.name) else {
                skipped.unsafeNames += 1
                continue
            }
            if let target = member.hardLinkTarget {
                skipped.hardLinks += 1
                // A tar's hard link always names a member before it: its result stands for the link too.
                if let index = Self.relativeName(target).flatMap({ results[$0] }) {
                    var file = files[index]
                    file.path = "\(display):/\(relative)"
                    files.append(file)
                }
                continue
            }
            switch member.type {
            case S_IFDIR: continue
            case S_IFLNK: skipped.memberSymlinks += 1; continue
            case S_IFREG: break
            default: skipped.specialFiles += 1; continue
            }
            if member.isSparse {
                skipped.sparseMembers += 1
                continue
            }
            let before = files.count
            try read(member, named: "\(display):/\(relative)", from: reader)
            if files.count > before { results[relative] = files.count - 1 }
        }
    }

    /// One regular member: its magic read, and only an ELF member read whole and classified.
    mutating func read(_ member: ArchiveReader.Member, named path: String, from reader: ArchiveReader) throws(UnreadableFile) {
        var bytes: [UInt8] = []
        _ = try reader.read(into: &bytes, upTo: 4)
        guard bytes.count == 4, bytes == [0x7F, 0x45, 0x4C, 0x46] else {
            skipped.notELF += 1
            return
        }
        let tooLarge = "larger than the \(limit) a member may take in memory (\(MemberLimit.variable) changes it): not read"
        if let size = member.size, size > Int64(limit.bytes) {
            files.append(.failed(path, package: display, reason: "\(size) bytes, \(tooLarge)"))
            return
        }
        bytes.reserveCapacity(min(Int(clamping: member.size ?? 0), limit.bytes))
        _ = try reader.read(into: &bytes, upTo: limit.bytes + 1)
        guard bytes.count <= limit.bytes else {
            files.append(.failed(path, package: display, reason: tooLarge))
            return
        }
        if let file = AuditedFile.classify(ELFReader.read(image: &bytes), display: path, package: display) { files.append(file) }
    }
}
