import CLinux
import Foundation
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// The one folder a run writes its temporary files in: `$TMPDIR/tlsprobe-PID-XXXXXX`, mode 0700.
///
/// `TMPDIR` of this process and of every child points into it, so apt's downloads, an
/// audit's unpack folders and a worker build's (and swift-build's) temporary files all land
/// there. It is removed at exit and from the termination signals' handler (`CLinux`'s
/// `tlsprobe_private_folder_remove`, which needs no lock, allocation or thread); what a
/// SIGKILL or a crash leaves is removed by the next run, which finds the folders of this
/// user whose PID is no longer alive.
package enum PrivateFolder {
    /// The folder of this run, once made.
    nonisolated(unsafe) package private(set) static var current: String?

    /// The folder temporary folders are made in: `TMPDIR`, else `/tmp`.
    package static func base(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        guard let given = environment["TMPDIR"], given.hasPrefix("/") else { return "/tmp" }
        return given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
    }

    /// Makes this run's folder under `base`, records it for removal on every exit path and
    /// points `TMPDIR` into it. Called once, before any thread or child exists.
    package static func make(base: String = base()) throws(EnvironmentError) -> String {
        var template = Array("\(base)/tlsprobe-\(getpid())-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw EnvironmentError("cannot make a private temporary folder in \(base): \(ErrnoName.describe(errno))")
        }
        let folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard tlsprobe_private_folder_set(folder) == 0 else {
            rmdir(folder)
            throw EnvironmentError("cannot make a private temporary folder in \(base): the path is too long")
        }
        setenv("TMPDIR", folder, 1)
        current = folder
        return folder
    }

    /// Removes this run's folder now (the exit paths do it on their own).
    package static func remove() {
        tlsprobe_private_folder_remove()
    }

    /// Removes the folders under `base` that runs of this user left when they were killed
    /// outright: `tlsprobe-PID-XXXXXX`, a real folder (no link) owned by this user, whose
    /// PID is no process now. Returns the paths removed.
    @discardableResult
    package static func removeLeftovers(base: String = base()) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let pid = leftoverPID(name) else { continue }
            let path = base + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid() else { continue }
            guard Glibc.kill(pid, 0) != 0 && errno == ESRCH else { continue }
            if tlsprobe_remove_tree(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// The PID in `tlsprobe-PID-XXXXXX`, or `nil` for any other name.
    static func leftoverPID(_ name: String) -> pid_t? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "tlsprobe", parts[2].count == 6,
              parts[1].count < 10, parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber),
              let pid = pid_t(parts[1]), pid > 0 else { return nil }
        return pid
    }
}
