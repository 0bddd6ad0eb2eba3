/// The identity an `.rpm` states in its header: what a Fedora or RHEL packager files
/// a bug against, as `DebianPackageInfo` is for a `.deb`.
///
/// An rpm is a 96-byte lead (magic `ed ab ee db`), a signature header padded to 8
/// bytes, the main header, then the payload (a compressed cpio archive that
/// libarchive reads). Each header is a magic `8e ad e8 01`, 4 reserved bytes, the
/// number of index entries and the size of the data store (big-endian 32-bit), then
/// the index (16 bytes an entry: tag, type, offset into the store, count) and the
/// store. Only the main header's NAME, EPOCH, VERSION, RELEASE, ARCH, SOURCERPM,
/// PAYLOADFORMAT and PAYLOADCOMPRESSOR are read, each string at most `stringLimit` bytes, through `bytes(at:count:)`:
/// the header is never read whole, so a header of gigabytes costs what its index
/// costs, and that is capped too (`indexLimit` entries, `storeLimit` bytes). The
/// file is untrusted: every offset and count is checked against the header's own
/// sizes and against what could be read, and whatever does not fit is a
/// `RPMHeader.Corrupt` naming it, never a trap.
struct RPMHeader: Sendable, Equatable {
    var name: String
    /// The EPOCH tag, when the package has one.
    var epoch: UInt32?
    var version: String
    var release: String
    var arch: String
    /// `openssl-3.2.2-1.fc41.src.rpm`; absent in a source rpm itself.
    var sourceRPM: String?
    /// PAYLOADFORMAT (`cpio`) and PAYLOADCOMPRESSOR (`zstd`, `xz`, `gzip`, …; empty for none), when stated.
    var payloadFormat: String? = nil
    var payloadCompressor: String? = nil

    /// The payload compressors libarchive reads here (`ArchiveReader`'s filters); empty or absent is none.
    static let readableCompressors: Set<String> = ["", "identity", "gzip", "bzip2", "xz", "lzma", "zstd"]

    /// Why libarchive cannot read this rpm's payload, when the header says so before it is tried.
    var unreadablePayload: String? {
        if let payloadFormat, !payloadFormat.isEmpty, payloadFormat != "cpio" {
            return "its payload is a '\(payloadFormat)' archive, not the cpio libarchive's rpm reader takes: not read"
        }
        if let payloadCompressor, !Self.readableCompressors.contains(payloadCompressor) {
            return "its payload is compressed with '\(payloadCompressor)', which libarchive does not read here: not read"
        }
        return nil
    }

    /// Why a header could not be read.
    struct Corrupt: Error, Equatable {
        let reason: String
    }

    static let leadMagic: [UInt8] = [0xED, 0xAB, 0xEE, 0xDB]
    static let headerMagic: [UInt8] = [0x8E, 0xAD, 0xE8, 0x01]
    static let leadSize = 96
    /// rpm's own limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`): a header past them is not one rpm wrote.
    static let indexLimit = 0xFFFF
    static let storeLimit = 0x0FFF_FFFF
    /// A name, version, release, arch or source rpm name longer than this is no package's.
    static let stringLimit = 4096

    enum Tag: UInt32, CaseIterable {
        case name = 1000, version = 1001, release = 1002, epoch = 1003, arch = 1022, sourceRPM = 1044
        case payloadFormat = 1124, payloadCompressor = 1125
    }

    /// `1:3.2.2-1.fc41`: the epoch when there is one, then Version-Release.
    var versionRelease: String {
        (epoch.map { "\($0):" } ?? "") + "\(version)-\(release)"
    }

    /// The identity as reports carry a package's: Name, Version-Release, Arch, and the
    /// source package's name and version from the Source RPM's file name
    /// (`openssl-3.2.2-1.fc41.src.rpm` → `openssl`, `3.2.2-1.fc41`), else the package's own.
    var packageInfo: DebianPackageInfo {
        var source = name, sourceVersion = versionRelease
        if let sourceRPM, let parsed = Self.splitSourceRPM(sourceRPM) {
            source = parsed.name
            sourceVersion = parsed.versionRelease
        }
        return DebianPackageInfo(name: name, version: versionRelease, architecture: arch, source: source, sourceVersion: sourceVersion,
                                 format: "rpm")
    }

    /// `name-version-release.src.rpm` (or `.nosrc.rpm`) into its name and `version-release`: the last two `-` separate them.
    static func splitSourceRPM(_ file: String) -> (name: String, versionRelease: String)? {
        var stem = Substring(file)
        for suffix in [".src.rpm", ".nosrc.rpm"] where stem.hasSuffix(suffix) {
            stem = stem.dropLast(suffix.count)
        }
        guard let releaseDash = stem.lastIndex(of: "-"),
              let versionDash = stem[..<releaseDash].lastIndex(of: "-"), versionDash > stem.startIndex else { return nil }
        return (String(stem[..<versionDash]), String(stem[stem.index(after: versionDash)...]))
    }

    /// The file starts with the rpm lead's magic.
    static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && Array(bytes.prefix(4)) == leadMagic
    }

    /// The header of an rpm whose bytes `bytes(offset, count)` returns (fewer at the end of the file, `nil` when unreadable).
    static func parse(bytes read: (Int, Int) -> [UInt8]?) throws(Corrupt) -> RPMHeader {
        func bytes(_ offset: Int, _ count: Int, _ what: String) throws(Corrupt) -> [UInt8] {
            guard let got = read(offset, count), got.count == count else {
                throw Corrupt(reason: "its \(what) (\(count) bytes at offset \(offset)) is past the end of the file")
            }
            return got
        }
        let lead = try bytes(0, leadSize, "lead")
        guard hasMagic(lead) else { throw Corrupt(reason: "no rpm lead magic (ed ab ee db)") }
        // The signature header, padded to a multiple of 8, then the main one.
        let signature = try structure(at: leadSize, "signature header", bytes: bytes)
        let (padded, overflow) = signature.end.addingReportingOverflow((8 - signature.end % 8) % 8)
        guard !overflow else { throw Corrupt(reason: "its signature header's size overflows") }
        let main = try structure(at: padded, "header", bytes: bytes)
        if main.storeSize > 0 { _ = try bytes(main.end - 1, 1, "header's data store's last byte") }
        var strings: [Tag: String] = [:]
        var epoch: UInt32?
        for index in 0..<main.count {
            let entry = try bytes(main.indexStart + index * 16, 16, "header index entry \(index)")
            let type = word(entry, 4), offset = Int(word(entry, 8)), count = Int(word(entry, 12))
            // Every entry, wanted or not: a header whose index points outside its store is not one rpm wrote.
            guard offset < main.storeSize || (offset == main.storeSize && count == 0) else {
                throw Corrupt(reason: "its header's index entry \(index) (tag \(word(entry, 0))) points at offset \(offset), past its \(main.storeSize)-byte data store")
            }
            guard let tag = Tag(rawValue: word(entry, 0)) else { continue }
            let start = main.storeStart + offset
            switch (tag, type) {
            case (.epoch, 4):
                guard count >= 1, offset + 4 <= main.storeSize else {
                    throw Corrupt(reason: "its header's EPOCH does not fit its data store")
                }
                epoch = word(try bytes(start, 4, "EPOCH"), 0)
            case (.epoch, _):
                throw Corrupt(reason: "its header's EPOCH has type \(type), not INT32")
            case (_, 6), (_, 9), (_, 8):
                // STRING, or the first of an I18N or string array: NUL-terminated inside the store.
                let available = min(stringLimit + 1, main.storeSize - offset)
                let text = read(start, available) ?? []
                guard let end = text.firstIndex(of: 0) else {
                    throw Corrupt(reason: text.count < available
                        ? "its header's tag \(tag.rawValue) runs past the end of the file"
                        : "its header's tag \(tag.rawValue) has no terminating NUL within \(min(stringLimit, main.storeSize - offset)) bytes")
                }
                strings[tag] = String(decoding: text[..<end], as: UTF8.self)
            default:
                throw Corrupt(reason: "its header's tag \(tag.rawValue) has type \(type), not a string")
            }
        }
        func required(_ tag: Tag, _ label: String) throws(Corrupt) -> String {
            guard let value = strings[tag], !value.isEmpty else { throw Corrupt(reason: "its header has no \(label)") }
            return value
        }
        return RPMHeader(name: try required(.name, "NAME"), epoch: epoch, version: try required(.version, "VERSION"),
                         release: try required(.release, "RELEASE"), arch: try required(.arch, "ARCH"),
                         sourceRPM: strings[.sourceRPM].flatMap { $0.isEmpty ? nil : $0 },
                         payloadFormat: strings[.payloadFormat], payloadCompressor: strings[.payloadCompressor])
    }

    /// Where one header structure's index and store are, and where it ends; its sizes checked against the limits.
    private struct Structure {
        let count: Int
        let indexStart: Int
        let storeStart: Int
        let storeSize: Int
        var end: Int { storeStart + storeSize }
    }

    private static func structure(at offset: Int, _ what: String, bytes: (Int, Int, String) throws(Corrupt) -> [UInt8]) throws(Corrupt) -> Structure {
        let intro = try bytes(offset, 16, what)
        guard Array(intro.prefix(4)) == headerMagic else { throw Corrupt(reason: "its \(what) at offset \(offset) has no header magic (8e ad e8 01)") }
        let count = Int(word(intro, 8)), size = Int(word(intro, 12))
        guard count <= indexLimit else { throw Corrupt(reason: "its \(what) claims \(count) index entries, more than rpm's \(indexLimit)") }
        guard size <= storeLimit else { throw Corrupt(reason: "its \(what) claims a \(size)-byte data store, more than rpm's \(storeLimit)") }
        // Both are at most 2^28: no sum below overflows an Int.
        return Structure(count: count, indexStart: offset + 16, storeStart: offset + 16 + count * 16, storeSize: size)
    }

    /// The big-endian 32-bit word at `at` (the caller has checked `at + 4 <= bytes.count`).
    private static func word(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
