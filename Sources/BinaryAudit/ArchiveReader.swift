import CArchive
import ELFInspection
#if canImport(Glibc)
import Glibc
#endif

/// One libarchive read handle (`struct archive *`), freed exactly once, when this
/// owner goes: the only place `tlsprobe audit` holds one.
///
/// A reader reads one stream, member by member: a file given (opened as
/// `RegularFile`, so a FIFO never blocks it), or the data of the current member of
/// another reader (`init(nested:)`: a `.deb`'s `data.tar.xz` read inside the `ar`
/// archive that holds it, never copied out). Nothing is ever extracted: a member's
/// bytes go only where `read(into:upTo:)` puts them.
///
/// Every libarchive call goes through `LibArchive`, loaded on the first reader: a
/// reader cannot be made without it, and says why (`LibArchive.Unavailable`).
///
/// Not `Sendable`: one thread reads one archive, as libarchive requires.
final class ArchiveReader {
    /// Which archive formats a reader accepts. The filters are always the ones a
    /// package or a tarball uses (gzip, bzip2, xz, lzma, zstd, lz4, none), never
    /// `archive_read_support_filter_all`: that one also runs external programs
    /// (lrzip, lzop, grzip) on whatever the input is.
    enum Formats {
        /// `ar`: the outer layer of a Debian package.
        case ar
        /// tar in each of its dialects (ustar, pax, GNU).
        case tar
        /// An `.rpm`: libarchive's rpm filter steps over the lead and headers, the cpio payload follows.
        case rpm
    }

    /// A member's header, as libarchive read it.
    struct Member {
        /// The name as stored (`./usr/bin/x`), bytes decoded as UTF-8 with repairs.
        let name: String
        /// `S_IFREG`, `S_IFLNK`, `S_IFDIR`, … from the header.
        let type: mode_t
        /// The member this one is a hard link to, as stored (`./usr/bin/x`); `nil` for any other member.
        let hardLinkTarget: String?
        /// The header names another member this one is a hard link to.
        var isHardLink: Bool { hardLinkTarget != nil }
        /// The member has a sparse map (GNU or pax sparse): holes read back as zeros.
        let isSparse: Bool
        /// The size the header states, when it states one.
        let size: Int64?
    }

    private let handle: OpaquePointer
    /// The functions `handle` is read through.
    private let lib: LibArchive
    /// The file read, kept open as long as the handle reads it.
    private let file: RegularFile?
    /// The reader whose current member this one reads; kept alive as long as this one.
    private let outer: ArchiveReader?

    /// libarchive's own words for the last failure, or `fallback`.
    func message(or fallback: String) -> String {
        guard let text = lib.errorString(handle) else { return fallback }
        return String(cString: text)
    }

    private init(formats: Formats, file: consuming RegularFile?, outer: ArchiveReader?) throws(UnreadableFile) {
        let lib: LibArchive
        do {
            lib = try LibArchive.loaded()
        } catch {
            throw UnreadableFile(reason: error.reason)
        }
        guard let handle = lib.readNew() else { throw UnreadableFile(reason: "libarchive could not allocate a reader") }
        self.handle = handle
        self.lib = lib
        self.file = file
        self.outer = outer
        _ = lib.supportFilterGzip(handle)
        _ = lib.supportFilterBzip2(handle)
        _ = lib.supportFilterXz(handle)
        _ = lib.supportFilterLzma(handle)
        _ = lib.supportFilterZstd(handle)
        _ = lib.supportFilterLz4(handle)
        switch formats {
        case .ar: _ = lib.supportFormatAr(handle)
        case .tar: _ = lib.supportFormatTar(handle); _ = lib.supportFormatGnutar(handle)
        case .rpm: _ = lib.supportFilterRpm(handle); _ = lib.supportFormatCpio(handle)
        }
    }

    /// A reader of the regular file at `path`.
    convenience init(path: String, formats: Formats) throws(UnreadableFile) {
        let file = try RegularFile(path: path)
        let descriptor = file.descriptor
        try self.init(formats: formats, file: file, outer: nil)
        guard lib.readOpenFD(handle, descriptor, 64 << 10) == ARCHIVE_OK else {
            throw UnreadableFile(reason: message(or: "libarchive cannot open it"))
        }
    }

    /// A reader of `outer`'s current member's data, read as `outer` reads it: one pass, no copy.
    convenience init(nested outer: ArchiveReader, formats: Formats) throws(UnreadableFile) {
        try self.init(formats: formats, file: nil, outer: outer)
        let context = Unmanaged.passUnretained(outer).toOpaque()
        guard lib.readOpen(handle, context, nil, { _, context, buffer in
            guard let context, let buffer else { return -1 }
            let outer = Unmanaged<ArchiveReader>.fromOpaque(context).takeUnretainedValue()
            var size = 0
            var offset: la_int64_t = 0
            switch outer.lib.readDataBlock(outer.handle, buffer, &size, &offset) {
            case ARCHIVE_OK, ARCHIVE_WARN: return la_ssize_t(size)
            case ARCHIVE_EOF: return 0
            default: return -1
            }
        }, nil) == ARCHIVE_OK else {
            throw UnreadableFile(reason: nestedMessage(or: "libarchive cannot open it"))
        }
    }

    deinit {
        _ = lib.readFree(handle)
    }

    /// For a nested reader, the outer reader's reason too: a truncated `.deb` fails in the outer `ar`.
    func nestedMessage(or fallback: String) -> String {
        let own = message(or: fallback)
        guard let outer, let text = lib.errorString(outer.handle) else { return own }
        let outerText = String(cString: text)
        return own == outerText ? own : "\(own) (\(outerText))"
    }

    /// The next member's header; `nil` at the end of the archive.
    func next() throws(UnreadableFile) -> Member? {
        var entry: OpaquePointer?
        switch lib.readNextHeader(handle, &entry) {
        case ARCHIVE_OK, ARCHIVE_WARN:
            guard let entry else { throw UnreadableFile(reason: "libarchive returned a member without a header") }
            let name = lib.entryPathname(entry).map { String(cString: $0) } ?? ""
            return Member(name: name, type: lib.entryFiletype(entry), hardLinkTarget: lib.entryHardlink(entry).map { String(cString: $0) },
                          isSparse: lib.entrySparseCount(entry) > 0,
                          size: lib.entrySizeIsSet(entry) != 0 ? lib.entrySize(entry) : nil)
        case ARCHIVE_EOF:
            return nil
        default:
            throw UnreadableFile(reason: nestedMessage(or: "libarchive cannot read the next member"))
        }
    }

    /// The archive's format as libarchive names it (`GNU tar format`, `ar (GNU)`), once a header was read.
    var formatName: String? {
        lib.formatName(handle).map { String(cString: $0) }
    }

    /// Appends the current member's data to `bytes` until `bytes` holds `limit` bytes or the
    /// member ends; returns whether the member ended. Never reads more than `limit - bytes.count`.
    func read(into bytes: inout [UInt8], upTo limit: Int) throws(UnreadableFile) -> Bool {
        // No larger than what is wanted: the magic of every member is 4 bytes, not 64 KiB.
        var chunk = [UInt8](repeating: 0, count: max(0, min(64 << 10, limit - bytes.count)))
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { lib.readData(handle, $0.baseAddress, wanted) }
            if count < 0 { throw UnreadableFile(reason: nestedMessage(or: "libarchive cannot read the member")) }
            if count == 0 { return true }
            bytes += chunk[..<Int(count)]
        }
        return false
    }
}
