import Foundation
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Where `audit --suite` keeps apt's private configuration and the suite's verified
/// indexes between runs: `$XDG_CACHE_HOME/tlsprobe/indexes/SUITE-ARCH-MIRRORHASH`, next
/// to the `.deb` cache. A warm run's `apt-get update` then asks the mirror whether the
/// index changed instead of downloading it again, and nothing of it lands in `$TMPDIR`
/// (an audit's temporary disk stays 0 bytes). apt still checks the `InRelease`
/// signature and `Valid-Until` on every run.
///
/// The folder is named after the mirror too, so indexes of two mirrors never mix, and it
/// is held under an exclusive `flock` for the life of this value: apt runs here without
/// its own locks, so two runs on one folder take turns, and the second says it waits.
package final class IndexCacheFolder {
    /// apt's folder (`PrivateApt.folder`).
    package let path: String
    private let lock: Int32

    /// How long a run waits for another one holding the same folder.
    package static let waitSeconds = PrivateApt.aptSeconds

    /// Takes the folder for `suite`/`architecture` from `mirror` under `root` (the tool's
    /// cache folder, `PackageFetcher.cacheRoot`), made 0700 and checked like the `.deb` cache.
    package init(root: String, mirror: DebianMirror, suite: String, architecture: String,
                 waiting: () -> Void = {}) throws(EnvironmentError) {
        let indexes = root + "/indexes"
        try PackageFetcher.prepareCache(indexes)
        let hash = mirror.url.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
        path = "\(indexes)/\(suite)-\(architecture)-\(String(hash, radix: 16))"
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw EnvironmentError("cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            let deadline = Date().addingTimeInterval(Self.waitSeconds)
            while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
                guard Date() < deadline else {
                    close(descriptor)
                    throw EnvironmentError("another tlsprobe has held \(path) for \(Int(Self.waitSeconds)) s")
                }
                usleep(200_000)
            }
        }
        lock = descriptor
    }

    deinit {
        close(lock)
    }
}
