import Dispatch
import Foundation
import Synchronization
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Fetches the `.deb` files an index names into a cache kept by SHA-256, on a thread of
/// its own, and hands each one over as soon as it is verified: the audit reads the first
/// packages while the next are downloaded.
///
/// - A cached file (`CACHE/SHA256.deb`) is used only after its size and SHA-256 are
///   checked again against the index; one that differs is deleted and fetched again, and
///   its `Fetched.refetched` says why.
/// - The rest is downloaded through `PrivateApt` in batches (`apt-get download
///   NAME=VERSION …`), so apt checks every file against the signed index; each batch has
///   its own deadline. Each file apt leaves is hashed again, matched to its entry by that
///   hash, and renamed into the cache; a file that matches nothing is deleted.
/// - An entry larger than `maximumSize` is refused without a download.
///
/// Nothing here prints: every package arrives once, as a path or as the reason it could not be fetched.
package struct PackageFetcher: Sendable {
    /// One package, fetched or not.
    package struct Fetched: Sendable {
        package let entry: PackageIndex.Entry
        /// The verified file in the cache, or why there is none.
        package let result: Result<String, InputError>
        /// Taken from the cache, not downloaded.
        package let cached: Bool
        /// A cached copy that failed the check and was fetched again: what was wrong with it.
        package let refetched: String?
    }

    package let apt: PrivateApt
    /// `$XDG_CACHE_HOME/tlsprobe/debs` (`cacheFolder`), made by `prepareCache`.
    package let cache: String
    package var batchSize = 16
    /// Each `apt-get download` of a batch, at most.
    package var batchSeconds = PrivateApt.aptSeconds
    /// An index entry larger than this is refused: 2 GiB.
    package var maximumSize = 2 << 30

    package init(apt: PrivateApt, cache: String) {
        self.apt = apt
        self.cache = cache
    }

    /// `$XDG_CACHE_HOME/tlsprobe/debs`, or `~/.cache/tlsprobe/debs`.
    package static func cacheFolder(environment: [String: String]) -> String {
        cacheRoot(environment: environment) + "/debs"
    }

    /// `$XDG_CACHE_HOME/tlsprobe`, or `~/.cache/tlsprobe`: the `.deb` cache and `IndexCacheFolder`s are in it.
    package static func cacheRoot(environment: [String: String]) -> String {
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.cache"
        }
        return base + "/tlsprobe"
    }

    /// Makes `folder` (mode 0700) and refuses one that is not this user's or that others
    /// can write: the audit reads what is in it. Removes staging folders of runs that died.
    package static func prepareCache(_ folder: String) throws(EnvironmentError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw EnvironmentError("cannot create \(folder): \(error.localizedDescription)")
        }
        var status = stat()
        guard lstat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw EnvironmentError("refusing the package cache \(folder): not a folder")
        }
        guard status.st_uid == geteuid(), status.st_mode & 0o022 == 0 else {
            throw EnvironmentError("refusing the package cache \(folder): it must belong to this user and be writable by nobody else")
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".partial-") {
            if let pid = pid_t(name.dropFirst(".partial-".count)), pid > 0, kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
    }

    /// Starts fetching `entries` on a thread of its own; `Arrivals.next()` hands them over.
    package func start(_ entries: [PackageIndex.Entry]) -> Arrivals {
        let arrivals = Arrivals()
        let fetcher = self
        let thread = Thread {
            fetcher.fetch(entries, to: arrivals)
            arrivals.finish()
        }
        thread.stackSize = 1 << 20
        thread.start()
        return arrivals
    }

    /// The packages as they are verified, in the order they arrive.
    package final class Arrivals: Sendable {
        private let queue = Mutex<(items: [Fetched], done: Bool)>(([], false))
        private let ready = DispatchSemaphore(value: 0)

        fileprivate func send(_ item: Fetched) {
            queue.withLock { $0.items.append(item) }
            ready.signal()
        }

        fileprivate func finish() {
            queue.withLock { $0.done = true }
            ready.signal()
        }

        /// Every package that has arrived, waiting for at least one; empty once all have.
        package func next() -> [Fetched] {
            while true {
                let (items, done) = queue.withLock { state -> ([Fetched], Bool) in
                    let items = state.items
                    state.items = []
                    return (items, state.done)
                }
                if !items.isEmpty || done { return items }
                ready.wait()
            }
        }
    }

    private func path(of entry: PackageIndex.Entry) -> String { "\(cache)/\(entry.sha256).deb" }

    private func fetch(_ entries: [PackageIndex.Entry], to arrivals: Arrivals) {
        var wanted: [(entry: PackageIndex.Entry, damage: String?)] = []
        for entry in entries {
            guard entry.size <= maximumSize else {
                arrivals.send(Fetched(entry: entry, result: .failure(InputError(source: entry.fileName,
                    message: "the index gives \(entry.size) bytes, more than the \(maximumSize >> 20) MiB a package may have")),
                    cached: false, refetched: nil))
                continue
            }
            let cached = path(of: entry)
            guard FileManager.default.fileExists(atPath: cached) else {
                wanted.append((entry, nil))
                continue
            }
            do throws(FileDigest.Mismatch) {
                let sha256 = try FileDigest.sha256(of: cached, expectedSize: entry.size)
                guard sha256 == entry.sha256 else { throw FileDigest.Mismatch(description: "SHA-256 \(sha256.prefix(16))…, not the index's \(entry.sha256.prefix(16))…") }
                arrivals.send(Fetched(entry: entry, result: .success(cached), cached: true, refetched: nil))
            } catch {
                unlink(cached)
                wanted.append((entry, error.description))
            }
        }
        guard !wanted.isEmpty else { return }
        let staging = "\(cache)/.partial-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        do throws(EnvironmentError) {
            try? FileManager.default.removeItem(atPath: staging)
            try PrivateApt.make(staging)
            if geteuid() == 0, let user = getpwnam("_apt") { chown(staging, user.pointee.pw_uid, 0) }
        } catch {
            for (entry, damage) in wanted {
                arrivals.send(Fetched(entry: entry, result: .failure(InputError(source: entry.fileName, message: error.description)),
                                      cached: false, refetched: damage))
            }
            return
        }
        var start = 0
        while start < wanted.count {
            let batch = Array(wanted[start..<min(start + batchSize, wanted.count)])
            start += batch.count
            download(batch, staging: staging, to: arrivals)
        }
    }

    /// One `apt-get download`, then every file it left hashed and matched to its entry.
    private func download(_ batch: [(entry: PackageIndex.Entry, damage: String?)], staging: String, to arrivals: Arrivals) {
        var problem: String?
        do {
            try apt.download(batch.map { "\($0.entry.name)=\($0.entry.version)" }, into: staging, seconds: batchSeconds)
        } catch {
            problem = error.description
        }
        // apt fetches what it can of a batch and fails for the rest: what it left is checked either way.
        var pending = Dictionary(batch.map { ($0.entry.sha256, $0) }, uniquingKeysWith: { first, _ in first })
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).sorted()
        for name in files {
            let file = staging + "/" + name
            defer { unlink(file) }
            var status = stat()
            guard lstat(file, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            let size = Int(status.st_size)
            guard pending.values.contains(where: { $0.entry.size == size }),
                  let sha256 = try? FileDigest.sha256(of: file, expectedSize: size),
                  let (entry, damage) = pending.removeValue(forKey: sha256) else { continue }
            let target = path(of: entry)
            guard rename(file, target) == 0 else {
                let reason = String(cString: strerror(errno))
                arrivals.send(Fetched(entry: entry, result: .failure(InputError(source: entry.fileName, message: "cannot move it into the cache \(cache): \(reason)")),
                                      cached: false, refetched: damage))
                continue
            }
            chmod(target, 0o600)
            arrivals.send(Fetched(entry: entry, result: .success(target), cached: false, refetched: damage))
        }
        for (entry, damage) in pending.values.sorted(by: { $0.entry.name < $1.entry.name }) {
            let message = problem ?? "apt-get download left no file of the index's size and SHA-256"
            arrivals.send(Fetched(entry: entry, result: .failure(InputError(source: entry.fileName, message: message)),
                                  cached: false, refetched: damage))
        }
    }
}
