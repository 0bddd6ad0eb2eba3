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
        /// The header names another member this one is a hard link to.
        let isHardLink: Bool
        /// The member has a sparse map (GNU or pax sparse): holes read back as zeros.
        let isSparse: Bool
        /// The size the header states, when it states one.
        let size: Int64?
    }

    private let handle: OpaquePointer
    /// The file read, kept open as long as the handle reads it.
    private let file: RegularFile?
    /// The reader whose current member this one reads; kept alive as long as this one.
    private let outer: ArchiveReader?

    /// libarchive's own words for the last failure, or `fallback`.
    func message(or fallback: String) -> String {
        guard let text = archive_error_string(handle) else { return fallback }
        return String(cString: text)
    }

    private init(formats: Formats, file: consuming RegularFile?, outer: ArchiveReader?) throws(UnreadableFile) {
        guard let handle = archive_read_new() else { throw UnreadableFile(reason: "libarchive could not allocate a reader") }
        self.handle = handle
        self.file = file
        self.outer = outer
        _ = archive_read_support_filter_gzip(handle)
        _ = archive_read_support_filter_bzip2(handle)
        _ = archive_read_support_filter_xz(handle)
        _ = archive_read_support_filter_lzma(handle)
        _ = archive_read_support_filter_zstd(handle)
        _ = archive_read_support_filter_lz4(handle)
        switch formats {
        case .ar: _ = archive_read_support_format_ar(handle)
        case .tar: _ = archive_read_support_format_tar(handle); _ = archive_read_support_format_gnutar(handle)
        case .rpm: _ = archive_read_support_filter_rpm(handle); _ = archive_read_support_format_cpio(handle)
        }
    }

    /// A reader of the regular file at `path`.
    convenience init(path: String, formats: Formats) throws(UnreadableFile) {
        let file = try RegularFile(path: path)
        let descriptor = file.descriptor
        try self.init(formats: formats, file: file, outer: nil)
        guard archive_read_open_fd(handle, descriptor, 64 << 10) == ARCHIVE_OK else {
            throw UnreadableFile(reason: message(or: "libarchive cannot open it"))
        }
    }

    /// A reader of `outer`'s current member's data, read as `outer` reads it: one pass, no copy.
    convenience init(nested outer: ArchiveReader, formats: Formats) throws(UnreadableFile) {
        try self.init(formats: formats, file: nil, outer: outer)
        let context = Unmanaged.passUnretained(outer).toOpaque()
        guard archive_read_open(handle, context, nil, { _, context, buffer in
            guard let context, let buffer else { return -1 }
            let outer = Unmanaged<ArchiveReader>.fromOpaque(context).takeUnretainedValue()
            var size = 0
            var offset: la_int64_t = 0
            switch archive_read_data_block(outer.handle, buffer, &size, &offset) {
            case ARCHIVE_OK, ARCHIVE_WARN: return la_ssize_t(size)
            case ARCHIVE_EOF: return 0
            default: return -1
            }
        }, nil) == ARCHIVE_OK else {
            throw UnreadableFile(reason: nestedMessage(or: "libarchive cannot open it"))
        }
    }

    deinit {
        archive_read_free(handle)
    }

    /// For a nested reader, the outer reader's reason too: a truncated `.deb` fails in the outer `ar`.
    func nestedMessage(or fallback: String) -> String {
        let own = message(or: fallback)
        guard let outer, let text = archive_error_string(outer.handle) else { return own }
        let outerText = String(cString: text)
        return own == outerText ? own : "\(own) (\(outerText))"
    }

    /// The next member's header; `nil` at the end of the archive.
    func next() throws(UnreadableFile) -> Member? {
        var entry: OpaquePointer?
        switch archive_read_next_header(handle, &entry) {
        case ARCHIVE_OK, ARCHIVE_WARN:
            guard let entry else { throw UnreadableFile(reason: "libarchive returned a member without a header") }
            let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
            return Member(name: name, type: archive_entry_filetype(entry), isHardLink: archive_entry_hardlink(entry) != nil,
                          isSparse: archive_entry_sparse_count(entry) > 0,
                          size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil)
        case ARCHIVE_EOF:
            return nil
        default:
            throw UnreadableFile(reason: nestedMessage(or: "libarchive cannot read the next member"))
        }
    }

    /// The archive's format as libarchive names it (`GNU tar format`, `ar (GNU)`), once a header was read.
    var formatName: String? {
        archive_format_name(handle).map { String(cString: $0) }
    }

    /// Appends the current member's data to `bytes` until `bytes` holds `limit` bytes or the
    /// member ends; returns whether the member ended. Never reads more than `limit - bytes.count`.
    func read(into bytes: inout [UInt8], upTo limit: Int) throws(UnreadableFile) -> Bool {
        // No larger than what is wanted: the magic of every member is 4 bytes, not 64 KiB.
        var chunk = [UInt8](repeating: 0, count: max(0, min(64 << 10, limit - bytes.count)))
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { archive_read_data(handle, $0.baseAddress, wanted) }
            if count < 0 { throw UnreadableFile(reason: nestedMessage(or: "libarchive cannot read the member")) }
            if count == 0 { return true }
            bytes += chunk[..<Int(count)]
        }
        return false
    }
}
