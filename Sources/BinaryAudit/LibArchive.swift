import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// libarchive, loaded with `dlopen` the first time an audit reads an archive, and every
/// function `ArchiveReader` calls, found once with `dlsym`: the one place tlsprobe
/// touches libarchive's symbols.
///
/// Why not linked: the tlsprobe binary is also the matrix's worker, started under
/// another Debian line's loader and libraries. Linked, it needed the host's
/// `libarchive.so.13` to load at all (bookworm's and trixie's differ in the glibc they
/// need), and libarchive brings libxml2 and ICU, whose mappings alone took the binary
/// past `ulimit -v 100000` before `main`. Loaded here, only an audit of a `.deb` or a
/// tar archive maps it; without it, each archive is an `error` naming the package to
/// install (or, when it is there but cannot load, `dlerror`'s reason), and `--unpack`
/// (dpkg-deb and tar) still reads packages.
///
/// CArchive keeps `archive.h` for its constants and types (`ARCHIVE_OK`, `AE_IFREG`)
/// but links nothing: no `link` line, no pkg-config. Each signature below is the
/// header's declaration of the function named beside it.
final class LibArchive: Sendable {
    /// The soname Debian's `libarchive13` (bookworm) and `libarchive13t64` (trixie) ship.
    static let soname = "libarchive.so.13"

    /// libarchive could not be loaded, or lacks a function the reader calls.
    struct Unavailable: Error, Sendable, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    typealias New = @convention(c) () -> OpaquePointer?
    typealias Support = @convention(c) (OpaquePointer?) -> Int32
    typealias OpenFD = @convention(c) (OpaquePointer?, Int32, Int) -> Int32
    typealias ReadCallback = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t
    typealias OpenCallback = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
    typealias Open = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, OpenCallback?, ReadCallback?, OpenCallback?) -> Int32
    typealias Free = @convention(c) (OpaquePointer?) -> Int32
    typealias Text = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias NextHeader = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias FileType = @convention(c) (OpaquePointer?) -> mode_t
    typealias Count = @convention(c) (OpaquePointer?) -> Int32
    typealias Size = @convention(c) (OpaquePointer?) -> la_int64_t
    typealias ReadData = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int) -> la_ssize_t
    typealias ReadDataBlock = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeRawPointer?>?, UnsafeMutablePointer<Int>?,
                                              UnsafeMutablePointer<la_int64_t>?) -> Int32

    let readNew: New                    // archive_read_new
    let supportFilterGzip: Support      // archive_read_support_filter_gzip
    let supportFilterBzip2: Support     // archive_read_support_filter_bzip2
    let supportFilterXz: Support        // archive_read_support_filter_xz
    let supportFilterLzma: Support      // archive_read_support_filter_lzma
    let supportFilterZstd: Support      // archive_read_support_filter_zstd
    let supportFilterLz4: Support       // archive_read_support_filter_lz4
    let supportFilterRpm: Support       // archive_read_support_filter_rpm
    let supportFormatAr: Support        // archive_read_support_format_ar
    let supportFormatTar: Support       // archive_read_support_format_tar
    let supportFormatGnutar: Support    // archive_read_support_format_gnutar
    let supportFormatCpio: Support      // archive_read_support_format_cpio
    let readOpenFD: OpenFD              // archive_read_open_fd
    let readOpen: Open                  // archive_read_open
    let readFree: Free                  // archive_read_free
    let errorString: Text               // archive_error_string
    let formatName: Text                // archive_format_name
    let readNextHeader: NextHeader      // archive_read_next_header
    let readData: ReadData              // archive_read_data
    let readDataBlock: ReadDataBlock    // archive_read_data_block
    let entryPathname: Text             // archive_entry_pathname
    let entryHardlink: Text             // archive_entry_hardlink
    let entryFiletype: FileType         // archive_entry_filetype
    let entrySparseCount: Count         // archive_entry_sparse_count
    let entrySizeIsSet: Count           // archive_entry_size_is_set
    let entrySize: Size                 // archive_entry_size

    /// This process's libarchive, loaded on first use; the same answer ever after.
    static let shared: Result<LibArchive, Unavailable> = load(soname)

    /// The loaded library, or why there is none (the reason an archive's `error` carries).
    static func loaded() throws(Unavailable) -> LibArchive {
        try shared.get()
    }

    /// Loads `name` (`RTLD_LOCAL`: its symbols stay out of the process's global scope, so no
    /// library loaded later can bind to them) and finds every function. Never unloaded.
    static func load(_ name: String) -> Result<LibArchive, Unavailable> {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let detail = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return .failure(Unavailable(reason: reason(name, detail: detail)))
        }
        do throws(Unavailable) {
            return .success(try LibArchive(handle: handle, name: name))
        } catch {
            dlclose(handle)
            return .failure(error)
        }
    }

    /// Why `name` did not load, from `dlerror`'s `detail`: missing (what to install), or
    /// there but unloadable, which installing would not fix: a library that needs a newer
    /// glibc, a damaged file, or no address space left for libxml2 and ICU under `ulimit -v`.
    static func reason(_ name: String, detail: String) -> String {
        if detail.hasSuffix("No such file or directory") {
            return "\(name) not found: apt-get install libarchive13t64 (or libarchive13)"
        }
        var reason = "\(name) cannot be loaded: \(detail)"
        var limit = rlimit()
        if detail.contains("failed to map segment"), getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0,
           limit.rlim_cur != rlim_t.max {
            reason += " (the limit on address space, ulimit -v \(limit.rlim_cur / 1024), leaves no room for it)"
        }
        return reason
    }

    private init(handle: UnsafeMutableRawPointer, name: String) throws(Unavailable) {
        func symbol<F>(_ symbol: String, as type: F.Type) throws(Unavailable) -> F {
            guard let address = dlsym(handle, symbol) else {
                throw Unavailable(reason: "\(name) has no \(symbol): not the libarchive tlsprobe reads archives with (apt-get install libarchive13t64, or libarchive13)")
            }
            return unsafeBitCast(address, to: type)
        }
        readNew = try symbol("archive_read_new", as: New.self)
        supportFilterGzip = try symbol("archive_read_support_filter_gzip", as: Support.self)
        supportFilterBzip2 = try symbol("archive_read_support_filter_bzip2", as: Support.self)
        supportFilterXz = try symbol("archive_read_support_filter_xz", as: Support.self)
        supportFilterLzma = try symbol("archive_read_support_filter_lzma", as: Support.self)
        supportFilterZstd = try symbol("archive_read_support_filter_zstd", as: Support.self)
        supportFilterLz4 = try symbol("archive_read_support_filter_lz4", as: Support.self)
        supportFilterRpm = try symbol("archive_read_support_filter_rpm", as: Support.self)
        supportFormatAr = try symbol("archive_read_support_format_ar", as: Support.self)
        supportFormatTar = try symbol("archive_read_support_format_tar", as: Support.self)
        supportFormatGnutar = try symbol("archive_read_support_format_gnutar", as: Support.self)
        supportFormatCpio = try symbol("archive_read_support_format_cpio", as: Support.self)
        readOpenFD = try symbol("archive_read_open_fd", as: OpenFD.self)
        readOpen = try symbol("archive_read_open", as: Open.self)
        readFree = try symbol("archive_read_free", as: Free.self)
        errorString = try symbol("archive_error_string", as: Text.self)
        formatName = try symbol("archive_format_name", as: Text.self)
        readNextHeader = try symbol("archive_read_next_header", as: NextHeader.self)
        readData = try symbol("archive_read_data", as: ReadData.self)
        readDataBlock = try symbol("archive_read_data_block", as: ReadDataBlock.self)
        entryPathname = try symbol("archive_entry_pathname", as: Text.self)
        entryHardlink = try symbol("archive_entry_hardlink", as: Text.self)
        entryFiletype = try symbol("archive_entry_filetype", as: FileType.self)
        entrySparseCount = try symbol("archive_entry_sparse_count", as: Count.self)
        entrySizeIsSet = try symbol("archive_entry_size_is_set", as: Count.self)
        entrySize = try symbol("archive_entry_size", as: Size.self)
    }
}
