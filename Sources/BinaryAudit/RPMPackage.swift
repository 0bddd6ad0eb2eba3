import ELFInspection
#if canImport(Glibc)
import Glibc
#endif

/// An `.rpm` audited as a stream, as a `.deb` is: recognised by its lead's magic
/// (`ed ab ee db`), never by its name; its identity from its header (`RPMHeader`,
/// read a few bytes at a time with `pread`); its payload (a cpio archive, gzip, xz,
/// zstd, bzip2 or lzma compressed) read by libarchive in one pass, only ELF members
/// read and into memory, nothing written to disk, the members counted as a tar's
/// are (`ArchiveStream.readMembers`). A header that cannot be read is the package's
/// `error`, and its payload is then not read: libarchive's rpm reader relies on the
/// same header. A payload libarchive cannot read (a compression it lacks, a damaged
/// stream) is an `error` with libarchive's words, and one the header says is no cpio
/// or compressed otherwise is an `error` before it is tried; files read before it stay.
enum RPMPackage {
    /// The file at `path` starts with the rpm lead's magic.
    static func hasMagic(_ path: String) -> Bool {
        guard let file = try? RegularFile(path: path) else { return false }
        var magic = [UInt8](repeating: 0, count: 4)
        return pread(file.descriptor, &magic, 4, 0) == 4 && RPMHeader.hasMagic(magic)
    }

    /// The header of the rpm at `path`.
    static func header(_ path: String) throws(UnreadableFile) -> RPMHeader {
        let file = try RegularFile(path: path)
        let descriptor = file.descriptor
        do {
            return try RPMHeader.parse { offset, count in
                var bytes = [UInt8](repeating: 0, count: count)
                var done = 0
                while done < count {
                    let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
                    if got < 0 && errno == EINTR { continue }
                    if got < 0 { return nil }
                    if got == 0 { break }
                    done += got
                }
                return Array(bytes[..<done])
            }
        } catch {
            throw UnreadableFile(reason: "not a readable rpm: \(error.reason)")
        }
    }
}

extension RPMPackage {
    /// The rpm's Name, for whoever keys inputs before reading them (sharding keys an rpm by it as a
    /// `.deb` by its Package); `nil` when its header cannot be read.
    static func name(_ path: String) -> String? {
        try? header(path).name
    }
}

extension ArchiveStream {
    /// Reads the rpm at `path`; one that cannot be read ends with an `error` file naming why.
    /// Every file, and the package's own error once its header was read, carries its identity.
    mutating func readRPM(_ path: String) {
        do throws(UnreadableFile) {
            let header = try RPMPackage.header(path)
            info = header.packageInfo
            if let reason = header.unreadablePayload { throw UnreadableFile(reason: reason) }
            let reader = try ArchiveReader(path: path, formats: .rpm)
            do throws(UnreadableFile) {
                try readMembers(reader)
            } catch {
                throw UnreadableFile(reason: "its payload: \(error.reason)")
            }
        } catch {
            files.append(.failed(display, package: display, reason: error.reason))
        }
        if let info { files = files.map { var file = $0; file.packageInfo = info; return file } }
    }
}
