import Foundation
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Turns the paths given to `tlsprobe audit` into the files to read.
///
/// A folder is walked in name order. A symlink is never followed, only counted:
/// one that leads inside the tree given points at something the walk reaches by
/// its own path, one that leads out of it is outside what was asked for, and one
/// that leads back to a folder containing it cannot trap a walk that does not
/// follow it. A real directory loop (a folder met again by device and inode, as
/// a bind mount of its ancestor makes) and a folder that cannot be listed are
/// `error`s. A path given on the command line is resolved first, so
/// `/lib` on a merged-/usr system audits `/usr/lib` under the name given.
///
/// A `.deb` met in a folder is listed as a file like any other: the reader that
/// finds it is no ELF file recognises it by its content and the `Auditor` reads
/// it in its place, as it does a `.deb` given (its name says nothing: see
/// `DebianPackage.hasPackageMagic`). A tar archive (plain or compressed) is read
/// as one only when given on the command line, recognised by its content: one met
/// in a folder (a test suite's fixtures, documentation) is a file that is not ELF.
struct AuditWalker {
    /// What to read, or an input that already failed, in report order.
    enum Entry {
        case file(path: String, display: String, package: String?)
        case failed(AuditedFile)
        /// A `.deb` given: its files take its place once it is read (`ArchiveStream`) or unpacked (`addUnpacked`).
        /// `path` is what is opened, `display` what the report calls it (as given).
        case package(path: String, display: String)
        /// A tar archive given (plain or compressed, recognised by its content): its members are read as a stream;
        /// a saved container image is one (`ContainerImage`).
        case archive(path: String, display: String)
        /// An `.rpm` given (recognised by its lead's magic): its files take its place once it is read (`RPMPackage`).
        case rpm(path: String, display: String)
    }

    private(set) var entries: [Entry] = []
    var skipped = AuditSkipped()
    /// Real paths of the files already listed, so that overlapping paths given read each file once.
    private var seen = Set<String>()

    /// A path as given on the command line; `shown` names a package given by a path the
    /// user never typed (a cached file fetched by query) in the report instead.
    mutating func add(_ given: String, shown: String? = nil) {
        guard let real = Self.realPath(given) else {
            let code = errno
            entries.append(.failed(.failed(given, reason: code == ELOOP ? "symlink loop: \(ErrnoName.describe(code))" : "cannot resolve: \(ErrnoName.describe(code))")))
            return
        }
        var info = stat()
        guard stat(real, &info) == 0 else {
            entries.append(.failed(.failed(given, reason: "cannot stat: \(ErrnoName.describe(errno))")))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            walk(root: real, display: given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given, package: nil)
        case S_IFREG:
            if DebianPackage.isPackage(given) {
                guard seen.insert(real).inserted else {
                    skipped.duplicates += 1
                    return
                }
                entries.append(.package(path: given, display: shown ?? given))
            } else if RPMPackage.hasMagic(real) {
                guard seen.insert(real).inserted else {
                    skipped.duplicates += 1
                    return
                }
                entries.append(.rpm(path: real, display: given))
            } else if ArchiveStream.isTar(real) {
                guard seen.insert(real).inserted else {
                    skipped.duplicates += 1
                    return
                }
                entries.append(.archive(path: real, display: given))
            } else {
                addFile(real: real, display: given, package: nil)
            }
        default:
            skipped.specialFiles += 1
        }
    }

    /// A package's files, from the tree it was unpacked into: named `given:/usr/bin/x`.
    mutating func addUnpacked(tree: String, package: String) {
        guard let real = Self.realPath(tree) else {
            entries.append(.failed(.failed(package, package: package, reason: "unpacked folder vanished: \(ErrnoName.describe(errno))")))
            return
        }
        walk(root: real, display: "\(package):", package: package)
    }

    private mutating func addFile(real: String, display: String, package: String?) {
        guard seen.insert(real).inserted else {
            skipped.duplicates += 1
            return
        }
        entries.append(.file(path: real, display: display, package: package))
    }

    /// Depth first, each folder's entries by name; `display` names `root` in the report.
    private mutating func walk(root: String, display: String, package: String?) {
        // Folders of this walk, by device and inode: one met again is a loop (a bind
        // mount of its ancestor). Another path given may walk them again; its files are
        // then duplicates, never errors.
        var visited = Set<[UInt64]>()
        var rootInfo = stat()
        if stat(root, &rootInfo) == 0 { visited.insert([UInt64(rootInfo.st_dev), UInt64(rootInfo.st_ino)]) }
        var pending: [(real: String, display: String)] = [(root, display)]
        while let (folder, folderDisplay) = pending.popLast() {
            guard let stream = opendir(folder) else {
                entries.append(.failed(.failed(folderDisplay, package: package, reason: "cannot list folder: \(ErrnoName.describe(errno))")))
                continue
            }
            var children: [(name: String, type: UInt8)] = []
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                children.append((name, entry.pointee.d_type))
            }
            let descriptor = dirfd(stream)
            var subfolders: [(real: String, display: String)] = []
            for (name, type) in children.sorted(by: { $0.name < $1.name }) {
                let path = folder == "/" ? "/\(name)" : "\(folder)/\(name)"
                let shown = folderDisplay.hasSuffix("/") ? folderDisplay + name : "\(folderDisplay)/\(name)"
                var kind = Int(type)
                var info = stat()
                if kind == DT_UNKNOWN || kind == DT_DIR {
                    guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                        entries.append(.failed(.failed(shown, package: package, reason: "cannot stat: \(ErrnoName.describe(errno))")))
                        continue
                    }
                    kind = Self.directoryType(info.st_mode)
                }
                switch kind {
                case DT_DIR:
                    guard visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else {
                        entries.append(.failed(.failed(shown, package: package, reason: "directory loop: this folder (device \(info.st_dev), inode \(info.st_ino)) was already walked; a bind mount of a folder above it?")))
                        continue
                    }
                    subfolders.append((path, shown))
                case DT_REG:
                    addFile(real: path, display: shown, package: package)
                case DT_LNK:
                    link(path, in: folder, root: root)
                default:
                    skipped.specialFiles += 1
                }
            }
            closedir(stream)
            pending += subfolders.reversed()
        }
    }

    /// A symlink met in a walk: counted, never followed. One that leads back to a
    /// folder containing it (Debian's `/usr/bin/X11 -> .`) or round in a cycle of
    /// links is a loop only for a walker that follows links; here it is counted as one.
    private mutating func link(_ path: String, in folder: String, root: String) {
        guard let target = Self.realPath(path) else {
            if errno == ELOOP { skipped.symlinkLoops += 1 } else { skipped.danglingSymlinks += 1 }
            return
        }
        guard Self.isInside(target, root) else {
            skipped.symlinksOutOfTree += 1
            return
        }
        var info = stat()
        if stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, folder == target || Self.isInside(folder, target) {
            skipped.symlinkLoops += 1
            return
        }
        skipped.symlinksWithinTree += 1
    }

    private static func directoryType(_ mode: mode_t) -> Int {
        switch mode & S_IFMT {
        case S_IFDIR: DT_DIR
        case S_IFREG: DT_REG
        case S_IFLNK: DT_LNK
        default: DT_UNKNOWN
        }
    }

    /// `path` is `root` or below it.
    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
