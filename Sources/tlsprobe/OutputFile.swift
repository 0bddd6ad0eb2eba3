import Foundation
import ProxyCore
import ToolCore

/// The file `--output` replaces: a new path, or an existing regular file (a symlink
/// is followed to one and the target is written, not the link), in a folder this
/// process may write. Anything else (a device, a FIFO, a socket, a folder) is refused
/// before a probe runs, so `--output /dev/null` can never replace a device node.
struct OutputFile {
    /// What was given, for messages.
    let given: String
    /// The file to replace: `given`, or the regular file its symlinks lead to.
    let path: String
    /// The owner and mode an existing file keeps.
    private let existing: (owner: uid_t, group: gid_t, mode: mode_t)?

    init(_ given: String) throws(InputError) {
        guard !given.isEmpty else { throw InputError(source: "--output", message: "needs a file name") }
        func refuse(_ message: String) -> InputError { InputError(source: "--output \(given)", message: message) }
        self.given = given
        var info = stat()
        if lstat(given, &info) == 0 {
            var target = given
            if info.st_mode & S_IFMT == S_IFLNK {
                guard let resolved = realpath(given, nil) else {
                    throw refuse("a symlink that leads nowhere (\(ErrnoName.describe(errno)))")
                }
                target = String(cString: resolved)
                free(resolved)
                guard stat(target, &info) == 0 else {
                    throw refuse("cannot read \(target): \(ErrnoName.describe(errno))")
                }
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw refuse("\(Self.kind(info.st_mode)), not a regular file; give a file name")
            }
            path = target
            existing = (info.st_uid, info.st_gid, info.st_mode & 0o7777)
        } else {
            path = given
            existing = nil
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
            throw refuse("no folder \(folder)")
        }
        guard access(folder, W_OK) == 0 else {
            throw refuse("folder \(folder) is not writable")
        }
    }

    /// Writes `text` to a new file beside `path`, gives it the old file's owner and
    /// mode, flushes it to disk and renames it over `path`. On any failure (EFBIG
    /// under `ulimit -f` included) the temporary file is removed and `path` is untouched.
    func write(_ text: String) throws(SystemCallError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp").path
        // A new file: 0666 less the umask, the mode a plain `> file` would give.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw SystemCallError("create \(temporary)", errno: errno) }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            do {
                try Terminal.writeAll(text, to: descriptor)
            } catch {
                throw SystemCallError("write \(temporary)", errno: error.errno)
            }
            if let existing {
                guard fchown(descriptor, existing.owner, existing.group) == 0 else {
                    throw SystemCallError("keep the owner of \(path) (fchown)", errno: errno)
                }
                guard fchmod(descriptor, existing.mode) == 0 else {
                    throw SystemCallError("keep the mode of \(path) (fchmod)", errno: errno)
                }
            }
            guard fsync(descriptor) == 0 else { throw SystemCallError("fsync \(temporary)", errno: errno) }
        }
        guard rename(temporary, path) == 0 else { throw SystemCallError("rename to \(path)", errno: errno) }
        renamed = true
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a folder"
        default: "not a regular file"
        }
    }
}
