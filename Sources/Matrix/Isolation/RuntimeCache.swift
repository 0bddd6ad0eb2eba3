import CLinux
import Foundation
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// tlsprobe's cache: `$XDG_CACHE_HOME/tlsprobe/VERSION-BUILDID/`, holding the
/// runtimes (`runtimes/trixie`, …) and, for a build from a checkout, the workers
/// built for the other ABIs (`workers/libssl.so.4/tlsprobe`).
///
/// Keyed by the build: two versions or checkouts that share the cache never
/// touch each other's folders. A runtime exists under its name only once it is
/// complete (it is made under a private name and renamed), and the make happens
/// under a lock, so two processes that first use the same runtime at once both
/// get the one folder. The cache must belong to the user running tlsprobe and
/// be writable by nobody else: otherwise tlsprobe refuses to use it.
package struct RuntimeCache: Sendable {
    /// `$XDG_CACHE_HOME/tlsprobe/VERSION-BUILDID`.
    package let root: String

    package init(environment: [String: String], build: BuildIdentity = .current) {
        root = Self.base(environment) + "/tlsprobe/" + build.key
    }

    /// `$XDG_CACHE_HOME`; the XDG default `~/.cache` when it is unset, empty or not absolute.
    static func base(_ environment: [String: String]) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache"
    }

    package var runtimes: String { root + "/runtimes" }
    package var workers: String { root + "/workers" }

    /// Makes `folder` (and what is missing above it, mode 0700) and checks that
    /// nobody but this user and root can write it or anything above it. What
    /// exists is checked before anything is made in it.
    func prepare(_ folder: String) throws(EnvironmentError) {
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing) && existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        if let problem = FolderTrust.problem(with: existing, sharedFolder: existing != folder) {
            throw EnvironmentError("refusing the cache: \(problem)")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw EnvironmentError("cannot create \(folder): \(error.localizedDescription)")
        }
        if let problem = FolderTrust.problem(with: folder) { throw EnvironmentError("refusing the cache: \(problem)") }
    }

    /// Runs `body` holding an exclusive lock named `name` in `folder` (a `flock` on
    /// `folder/.name.lock`): one process makes a runtime or a worker, the others wait for it.
    func locked<T>(_ folder: String, _ name: String, _ body: () throws(EnvironmentError) -> T) throws(EnvironmentError) -> T {
        try prepare(folder)
        let path = "\(folder)/.\(name).lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw EnvironmentError("cannot open \(path): \(ErrnoName.describe(errno))") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw EnvironmentError("cannot lock \(path): \(ErrnoName.describe(errno))") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Makes `final` with `make`, which fills a private folder beside it; the folder's manifest
    /// (`CacheManifest`: the size and SHA-256 of every file in it) is written into it, and it is
    /// renamed to `final` only then. It is removed when `make` or the manifest throws.
    /// A `final` already there (one whose files no longer match their manifest) is replaced:
    /// moved aside, the new folder renamed into place, the old one removed.
    /// Call under the lock for `final`: leftovers of an interrupted run are removed first.
    func install(_ final: String, make: (String) throws(EnvironmentError) -> Void) throws(EnvironmentError) {
        let parent = (final as NSString).deletingLastPathComponent
        let name = (final as NSString).lastPathComponent
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [])
            .filter { $0.hasPrefix(".\(name).partial-") || $0.hasPrefix(".\(name).damaged-") }
        for leftover in leftovers { try? FileManager.default.removeItem(atPath: parent + "/" + leftover) }
        let partial = "\(parent)/.\(name).partial-\(getpid())"
        guard mkdir(partial, 0o700) == 0 else { throw EnvironmentError("cannot create \(partial): \(ErrnoName.describe(errno))") }
        // A signal before the rename removes it (after ending the fetch or the build filling it),
        // as it removes the run's private folder: nothing half-made stays in the cache.
        let pending = tlsprobe_pending_folder_add(partial)
        defer { tlsprobe_pending_folder_remove(pending) }
        do {
            try make(partial)
            try CacheManifest.record(partial).write(into: partial)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        // The folder tlsprobe made and filled itself: readable by its user, as the libraries' own modes say.
        chmod(partial, 0o755)
        var old: String?
        var status = stat()
        if lstat(final, &status) == 0 {
            let aside = "\(parent)/.\(name).damaged-\(getpid())"
            guard rename(final, aside) == 0 else {
                let reason = ErrnoName.describe(errno)
                try? FileManager.default.removeItem(atPath: partial)
                throw EnvironmentError("cannot move the damaged \(final) aside: \(reason)")
            }
            old = aside
        }
        guard rename(partial, final) == 0 else {
            let reason = ErrnoName.describe(errno)
            try? FileManager.default.removeItem(atPath: partial)
            throw EnvironmentError("cannot move \(partial) to \(final): \(reason)")
        }
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }
}
