import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Whether tlsprobe may execute a program or load a library from a path: only
/// root and the user running tlsprobe may be able to change it.
///
/// tlsprobe often runs as root in CI, and it starts programs and loaders from its
/// cache and from folders users name. A file, or any folder above it, that another
/// user can write could be swapped for something else between two runs: that user
/// would then run code as root. So every component of the resolved path must be
/// owned by root or by this user and writable by nobody else; a world-writable
/// folder with the sticky bit (`/tmp`) is allowed above, because there only a
/// file's owner can rename or remove it, and that owner is checked in turn.
package enum FolderTrust {
    /// `nil` when `path` (a file or a folder) and every folder above it are safe;
    /// otherwise one line naming the first component that is not, its owner and mode.
    /// `sharedFolder`: `path` is a folder tlsprobe only makes a folder of its own in, so
    /// it may be one like `/tmp` (world-writable with the sticky bit) itself.
    package static func problem(with path: String, sharedFolder: Bool = false) -> String? {
        guard let resolved = realpath(path, nil) else {
            return "\(path) cannot be resolved: \(ErrnoName.describe(errno))"
        }
        let real = String(cString: resolved)
        free(resolved)
        let user = geteuid()
        var components = [real]
        var folder = real
        while folder != "/" {
            folder = parent(of: folder)
            components.append(folder)
        }
        for (index, component) in components.enumerated() {
            var status = stat()
            guard lstat(component, &status) == 0 else {
                return "\(component) cannot be examined: \(ErrnoName.describe(errno))"
            }
            let owner = status.st_uid
            let mode = status.st_mode & 0o7777
            let sharedWithSticky = (index > 0 || sharedFolder) && mode & S_ISVTX != 0
            if owner != 0 && owner != user {
                return "\(component) belongs to \(describe(owner)), mode \(octal(mode)); tlsprobe runs nothing from a folder another user controls (it runs as \(describe(user)))"
            }
            if mode & (S_IWGRP | S_IWOTH) != 0 && !sharedWithSticky {
                return "\(component) is writable by other users (owner \(describe(owner)), mode \(octal(mode))); tlsprobe runs nothing from such a folder: chmod go-w it"
            }
        }
        return nil
    }

    /// `/a/b` → `/a`; `/a` → `/`.
    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `uid 1000 (alice)`.
    static func describe(_ uid: uid_t) -> String {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, let result, let name = result.pointee.pw_name {
            return "uid \(uid) (\(String(cString: name)))"
        }
        return "uid \(uid)"
    }

    /// `0755`.
    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
