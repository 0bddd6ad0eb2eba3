import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Opens a path someone else may have made (a runtime folder's libssl, a plug-in,
/// a file in a tree or package to audit) without ever waiting on it, and keeps
/// it only if it is a regular file.
///
/// A plain `open` of a FIFO blocks until a writer comes, forever if none does,
/// and one of a terminal or a device can block or have side effects. So the path
/// is opened with `O_NONBLOCK` (a FIFO opens at once for reading) and `O_NOCTTY`,
/// then `fstat` on the descriptor (not the path, which could be swapped in
/// between) refuses anything but a regular file, naming what it is.
package struct RegularFile: ~Copyable {
    package let descriptor: Int32
    /// The size `fstat` gave, never negative.
    package let size: UInt64

    /// `cannot open: ENOENT (…)`, `not a regular file (a FIFO)`.
    package init(path: String) throws(UnreadableFile) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw UnreadableFile(reason: "cannot open: \(ErrnoName.describe(errno))") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw UnreadableFile(reason: "cannot stat: \(ErrnoName.describe(code))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw UnreadableFile(reason: "not a regular file (\(Self.kind(info.st_mode)))")
        }
        self.descriptor = descriptor
        self.size = UInt64(exactly: info.st_size) ?? 0
    }

    deinit {
        close(descriptor)
    }

    /// What a non-regular file is, in a few words.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a symlink"
        default: "file type \(String(mode & S_IFMT, radix: 8))"
        }
    }
}
