import ELFInspection
import Foundation
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// A `.deb` given to `tlsprobe audit`: unpacked into a private folder of its own
/// (`mkdtemp` under `TMPDIR`, mode 0700), audited there like any tree, and removed
/// as soon as its files are read. Nothing is installed and no maintainer script runs.
///
/// `dpkg-deb --fsys-tarfile` decodes the package and `tar -x` writes its files;
/// the tar stream between them flows through this process on a FIFO in the
/// private folder, counted, so a package that expands past its `UnpackLimit`
/// (a small `.deb` of zeros that would fill the disk) is stopped the moment it
/// passes the limit, with both programs killed. A full disk is reported as one,
/// from tar's own words, never as a package dpkg-deb cannot read.
enum DebianPackage {
    /// One package's unpacking may take this long before its programs are killed.
    static let deadlineSeconds = 300.0

    /// An unpacked package: `tree` holds its files; `folder` (the FIFO and the tree) goes with `remove(_:)`.
    struct Unpacked: Sendable {
        let folder: String
        let tree: String
    }

    /// A path given that names a package: by its extension (so that a corrupt
    /// `.deb` given on purpose is reported as one, not skipped as "not ELF"), or by
    /// its content (`hasPackageMagic`).
    static func isPackage(_ path: String) -> Bool {
        if path.hasSuffix(".deb") || path.hasSuffix(".udeb") || path.hasSuffix(".ddeb") { return true }
        return hasPackageMagic(path)
    }

    /// A package by its content alone: an `ar` archive whose first member is
    /// `debian-binary`. A folder's files are recognised this way only: a file's
    /// name there says nothing (a `.deb` may be named anything, and a file named
    /// `x.deb` may be anything).
    static func hasPackageMagic(_ path: String) -> Bool {
        guard let file = try? RegularFile(path: path) else { return false }
        let magic = Array("!<arch>\ndebian-binary".utf8)
        var head = [UInt8](repeating: 0, count: magic.count)
        return pread(file.descriptor, &head, head.count, 0) == head.count && head == magic
    }

    /// Unpacks `path` into a new private folder under `TMPDIR`; the caller removes it
    /// with `remove(_:)`. A package that cannot be unpacked (refused by dpkg-deb, over
    /// `limit`, no space left) is an `InputError` that says which, and leaves no folder behind.
    static func unpack(_ path: String, limit: UnpackLimit) throws(InputError) -> Unpacked {
        func refuse(_ message: String) -> InputError { InputError(source: path, message: message) }
        guard let dpkgDeb = executable("dpkg-deb") else {
            throw refuse("cannot unpack: dpkg-deb is not installed (Debian's dpkg package)")
        }
        guard let tar = executable("tar") else { throw refuse("cannot unpack: tar is not installed") }
        let base = temporaryFolder()
        var template = Array("\(base)/tlsprobe-audit-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw refuse("cannot make a folder to unpack it into in \(base): \(ErrnoName.describe(errno))")
        }
        let folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let unpacked = Unpacked(folder: folder, tree: folder + "/tree")
        do throws(InputError) {
            guard mkdir(unpacked.tree, 0o700) == 0 else { throw refuse("cannot make a folder to unpack it into: \(ErrnoName.describe(errno))") }
            let stream = folder + "/stream"
            guard mkfifo(stream, 0o600) == 0 else { throw refuse("cannot make the FIFO to unpack it through: \(ErrnoName.describe(errno))") }
            try TarStreamRelay.run(dpkgDeb: dpkgDeb, tar: tar, package: path, stream: stream, tree: unpacked.tree,
                                   limit: limit, base: base, deadlineSeconds: deadlineSeconds)
        } catch {
            remove(folder)
            throw error
        }
        return unpacked
    }

    /// Removes an unpacked folder, making its folders writable first if a
    /// package's modes (a read-only folder) would stop an unprivileged user.
    static func remove(_ folder: String) {
        if (try? FileManager.default.removeItem(atPath: folder)) != nil { return }
        if let walk = FileManager.default.enumerator(atPath: folder) {
            chmod(folder, 0o700)
            while let relative = walk.nextObject() as? String {
                let path = folder + "/" + relative
                var info = stat()
                if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { chmod(path, 0o700) }
            }
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// `TMPDIR` as this process sees it now (a run points it into its private folder), else `/tmp`.
    private static func temporaryFolder() -> String {
        guard let value = getenv("TMPDIR") else { return "/tmp" }
        let given = String(cString: value)
        guard given.hasPrefix("/") else { return "/tmp" }
        return given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
    }

    /// The first executable `name` on `PATH`, else in the usual system folders.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") } + ["/usr/bin", "/bin", "/usr/local/bin"]
        return folders.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
