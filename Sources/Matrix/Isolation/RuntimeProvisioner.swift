import DebianArchive
import Foundation
import Glibc
import MatrixModel
import ProcessKit
import ProxyCore
import ToolCore
#if canImport(Glibc)
#endif

/// Makes the runtimes a plan names usable before any worker starts: fetches a
/// Debian line on first use into the runtime cache (`RuntimeFetcher`, with the
/// host's apt), and finds the worker for a runtime whose libssl ABI is not the
/// one this binary was built for.
///
/// Such a worker is, in this order: the one an installed tlsprobe ships
/// (`PREFIX/lib/tlsprobe/workers/libssl.so.4/tlsprobe`, built at packaging time
/// against that line's own headers); one built before for this very build, in
/// the cache; or, for a binary that lies in a checkout, one built now from that
/// checkout with `scripts/build-runtime-worker`. An installed tlsprobe never builds.
package struct RuntimeProvisioner: Sendable {
    /// The tlsprobe binary the parent runs, the worker for its own ABI.
    package let executable: String
    package let cache: RuntimeCache
    /// `--mirror URL`; otherwise `TLSPROBE_DEBIAN_MIRROR` or the host's apt sources.
    package var mirror: String?
    /// `--max-index-age`: how many days after it was signed a suite's index is still
    /// accepted past its `Valid-Until`; `nil` (the default) lets apt refuse any expired index.
    package var maxIndexAgeDays: Int?
    /// The checkout the binary was built in, when it lies in one.
    package let sourceTree: String?
    /// Told of each step (fetching a package, building a worker), for a progress line.
    package var step: (@Sendable (_ runtime: String, _ text: String) -> Void)?
    private let environment: [String: String]

    /// Longest a worker build may take: a first build on a slow machine is minutes.
    static let buildSeconds = 1800.0

    package init(executable: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.executable = executable
        self.environment = environment
        cache = RuntimeCache(environment: environment)
        maxIndexAgeDays = environment["TLSPROBE_MAX_INDEX_AGE"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        sourceTree = Self.findSourceTree(executable: executable)
    }

    /// The first folder above the executable that holds `Package.swift` and the
    /// worker build script: a binary under `.build/` of a checkout. `nil` when installed.
    package static func findSourceTree(executable: String) -> String? {
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.isExecutableFile(atPath: folder.path + "/scripts/build-runtime-worker"),
               FileManager.default.fileExists(atPath: folder.path + "/Package.swift") {
                return folder.path
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// The worker an installed tlsprobe ships for `abi`: `PREFIX/lib/tlsprobe/workers/ABI/tlsprobe`
    /// beside `PREFIX/bin/tlsprobe`.
    package func shippedWorker(for abi: String) -> String {
        URL(fileURLWithPath: executable).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("lib/tlsprobe/workers/\(abi)/tlsprobe").path
    }

    /// The folder of `line`, fetched into the cache now if it is not there yet.
    package func folder(for line: OpenSSLLine) throws(InputError) -> String {
        let name = line.rawValue
        let final = cache.runtimes + "/" + name
        let what = "OpenSSL \(line.series) (Debian \(name))"
        do {
            try cache.prepare(cache.runtimes)
        } catch {
            throw InputError(runtime: name, message: error.description)
        }
        if FileManager.default.fileExists(atPath: final), CacheManifest.damage(in: final) == nil { return final }
        let mirror: DebianMirror
        switch DebianMirror.choose(given: self.mirror, environment: environment) {
        case .success(let chosen): mirror = chosen
        case .failure(let why):
            throw InputError(runtime: name, message: "cannot fetch \(what): \(why); give a Debian mirror with --mirror URL (or TLSPROBE_DEBIAN_MIRROR)")
        }
        do {
            return try cache.locked(cache.runtimes, name) { () throws(EnvironmentError) -> String in
                // Another process may have made (or mended) it while this one waited for the lock.
                if FileManager.default.fileExists(atPath: final) {
                    guard let damage = CacheManifest.damage(in: final) else { return final }
                    // The line comes from a signed index again in seconds: fetching it anew mends
                    // the cache without the user's help, and the line says what was wrong.
                    step?(name, "the cached runtime is damaged (\(damage)); fetching it again")
                }
                try cache.install(final) { partial throws(EnvironmentError) in
                    var fetcher = RuntimeFetcher(line: line, mirror: mirror, maxIndexAgeDays: maxIndexAgeDays)
                    if let step { fetcher.step = { step(name, $0) } }
                    try fetcher.fetch(into: partial)
                    _ = try CacheManifest.removeLinksLeaving(partial)
                }
                return final
            }
        } catch {
            throw InputError(runtime: name,
                               message: "cannot fetch \(what) from mirror \(mirror.url) (\(mirror.origin)): \(error.description); choose another with --mirror URL")
        }
    }

    /// The worker for a folder whose libssl ABI (`abi`, such as `libssl.so.4`) is not this binary's (`own`).
    func worker(for folder: String, abi: String, runtime: String, own: String) throws(InputError) -> String {
        let shipped = shippedWorker(for: abi)
        if FileManager.default.fileExists(atPath: shipped) { return shipped }
        let home = "\(cache.workers)/\(abi)"
        let built = home + "/tlsprobe"
        if FileManager.default.fileExists(atPath: home), CacheManifest.damage(in: home) == nil { return built }
        guard let sourceTree else {
            throw InputError(runtime: runtime,
                               message: "holds \(abi), which this tlsprobe (built for \(own)) cannot load, and no worker for \(abi) is installed (looked for \(shipped))")
        }
        guard FileManager.default.fileExists(atPath: folder + "/pkgconfig/openssl.pc") else {
            throw InputError(runtime: runtime,
                               message: "holds \(abi), which this tlsprobe (built for \(own)) cannot load; building a worker for it needs the folder's include/ and pkgconfig/, as `tlsprobe runtime fetch` makes them")
        }
        do {
            try cache.locked(cache.workers, abi) { () throws(EnvironmentError) in
                if FileManager.default.fileExists(atPath: home) {
                    guard let damage = CacheManifest.damage(in: home) else { return }
                    step?(runtime, "the cached worker is damaged (\(damage)); building it again")
                }
                // Built into a private folder and renamed into place with its manifest: a worker
                // that is there is whole, and what the build writes goes nowhere another user chose.
                try cache.install(home) { partial throws(EnvironmentError) in
                    try build(for: folder, abi: abi, runtime: runtime, sourceTree: sourceTree, output: partial + "/tlsprobe")
                }
            }
        } catch {
            throw InputError(runtime: runtime, message: "cannot build a worker for \(abi): \(error.description)")
        }
        return built
    }

    /// Builds a worker from `sourceTree` against `folder`'s headers into `output`; the
    /// build's output is kept in `WORKERS/ABI.log`. The scratch folder lies in the checkout,
    /// so the next build there is incremental.
    private func build(for folder: String, abi: String, runtime: String, sourceTree: String,
                       output: String) throws(EnvironmentError) {
        try cache.prepare((output as NSString).deletingLastPathComponent)
        step?(runtime, "building a worker for \(abi) from \(sourceTree) (a first build takes minutes)")
        let started = Date()
        let run: ScriptRun
        do {
            run = try ScriptRun.run([sourceTree + "/scripts/build-runtime-worker", folder, "\(sourceTree)/.build-worker/\(abi)", output],
                                    environment: environment, seconds: Self.buildSeconds)
        } catch {
            throw EnvironmentError("cannot start scripts/build-runtime-worker: \(error)")
        }
        // A new file in the workers folder tlsprobe made and checked: never written through a
        // link left there, never appended to another build's log.
        let log = "\(cache.workers)/\(abi).log"
        unlink(log)
        var logged = "the whole log is \(log)"
        let descriptor = open(log, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            let text = Array((run.stderrLines.joined(separator: "\n") + "\n" + run.stdout).utf8)
            var offset = 0
            while offset < text.count {
                let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + offset }, text.count - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    logged = "its log \(log) is cut short (\(ErrnoName.describe(errno)))"
                    break
                }
                offset += written
            }
            close(descriptor)
        } else {
            logged = "its log could not be written to \(log) (\(ErrnoName.describe(errno)))"
        }
        guard run.succeeded else {
            var said = run.stderrLines.filter { $0.contains("error:") }.prefix(2).joined(separator: "; ")
            if said.isEmpty { said = run.stderrLines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? "" }
            let why = run.timedOut ? "no result after \(Int(Self.buildSeconds)) s" : "\(run.termination)"
            throw EnvironmentError("the build (scripts/build-runtime-worker) failed (\(why))\(said.isEmpty ? "" : ": \(said)"); \(logged)")
        }
        step?(runtime, "built a worker for \(abi) in \(Int(Date().timeIntervalSince(started))) s")
    }
}
