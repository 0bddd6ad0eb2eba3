import Foundation

/// Makes the runtimes a plan names usable before any worker starts: fetches a
/// Debian line on first use into the runtime cache, and builds a worker for a
/// runtime whose libssl ABI is not the one this binary was built for.
///
/// Both are the source tree's scripts (`scripts/fetch-openssl-runtime`,
/// `scripts/build-runtime-worker`), run each time a runtime needs them: both
/// return at once when nothing changed (a complete folder; a worker built from
/// the same sources), so a stale worker is never started after the sources moved on.
package struct RuntimeProvisioner: Sendable {
    /// The tlsprobe binary the parent runs, the worker for its own ABI.
    package let executable: String
    /// Where `--runtime trixie` and its kind live: `$XDG_CACHE_HOME/tlsprobe/runtimes`.
    package let cache: String
    /// The repository the binary was built from, when it can be found.
    package let sourceTree: String?
    /// Told of each step (fetching a package, building a worker), for a progress line.
    package var step: (@Sendable (_ runtime: String, _ text: String) -> Void)?

    /// Longest a fetch or a worker build may take: a first build on a slow machine is minutes.
    static let scriptSeconds = 1800.0

    package init(executable: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.executable = executable
        cache = Self.cacheFolder(environment)
        sourceTree = Self.findSourceTree(executable: executable, environment: environment)
    }

    /// `$XDG_CACHE_HOME/tlsprobe/runtimes`; the XDG default `~/.cache` when it is unset or not absolute.
    static func cacheFolder(_ environment: [String: String]) -> String {
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.cache"
        }
        return base + "/tlsprobe/runtimes"
    }

    /// `TLSPROBE_SOURCE_ROOT`, or the first folder above the executable that holds
    /// `Package.swift` and the fetch script (a binary under `.build/` of a checkout).
    static func findSourceTree(executable: String, environment: [String: String]) -> String? {
        func isTree(_ path: String) -> Bool {
            FileManager.default.isExecutableFile(atPath: path + "/scripts/fetch-openssl-runtime")
                && FileManager.default.fileExists(atPath: path + "/Package.swift")
        }
        if let root = environment["TLSPROBE_SOURCE_ROOT"], !root.isEmpty {
            return isTree(root) ? root : nil
        }
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            if isTree(folder.path) { return folder.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    private var noSourceTree: String {
        "needs tlsprobe's source tree (its scripts/ and Sources/), and none is above \(executable); set TLSPROBE_SOURCE_ROOT to a checkout"
    }

    /// The folder of `line`, fetched into the cache now if it is not there yet.
    func folder(for line: OpenSSLLine) throws(RuntimeError) -> String {
        let name = line.rawValue
        guard let sourceTree else {
            let folder = cache + "/" + name
            if FileManager.default.fileExists(atPath: folder + "/pkgconfig/openssl.pc") { return folder }
            throw RuntimeError(runtime: name, message: "fetching OpenSSL \(line.series) (Debian \(name)) \(noSourceTree)")
        }
        let run = try runScript(sourceTree + "/scripts/fetch-openssl-runtime", ["--into", cache, name], runtime: name)
        guard run.termination == .exited(0), !run.timedOut, let folder = run.result else {
            throw RuntimeError(runtime: name,
                               message: "cannot fetch OpenSSL \(line.series) (Debian \(name)): \(Self.failure(of: run))")
        }
        return folder
    }

    /// The worker for a folder whose libssl ABI (`abi`, such as `libssl.so.4`) is not this binary's.
    func worker(for folder: String, abi: String, runtime: String, own: String) throws(RuntimeError) -> String {
        let worker = folder + "/bin/tlsprobe"
        let buildable = FileManager.default.fileExists(atPath: folder + "/pkgconfig/openssl.pc")
        if let sourceTree, buildable {
            let run = try runScript(sourceTree + "/scripts/build-runtime-worker", [folder], runtime: runtime)
            guard run.termination == .exited(0), !run.timedOut, let built = run.result else {
                throw RuntimeError(runtime: runtime,
                                   message: "cannot build a worker for \(abi): \(Self.failure(of: run)) (log: \(folder)/build.log)")
            }
            return built
        }
        if FileManager.default.isExecutableFile(atPath: worker) { return worker }
        let why = buildable ? noSourceTree : "needs the folder's include/ and pkgconfig/, as scripts/fetch-openssl-runtime makes them"
        throw RuntimeError(runtime: runtime,
                           message: "holds \(abi), which this tlsprobe (built for \(own)) cannot load; building a worker for it \(why)")
    }

    private func runScript(_ path: String, _ arguments: [String], runtime: String) throws(RuntimeError) -> ScriptRun {
        do {
            return try ScriptRun.run([path] + arguments, environment: ProcessInfo.processInfo.environment,
                                     seconds: Self.scriptSeconds) { line in
                // The scripts' own progress lines; apt's chatter stays out of the way.
                for prefix in ["fetch-openssl-runtime: ", "build-runtime-worker: "] where line.hasPrefix(prefix) {
                    step?(runtime, String(line.dropFirst(prefix.count)))
                }
            }
        } catch {
            throw RuntimeError(runtime: runtime, message: "cannot start \(path): \(error)")
        }
    }

    /// What went wrong, in the script's and apt's words: apt's `E:`/`W:` lines and the script's error.
    static func failure(of run: ScriptRun) -> String {
        if run.timedOut { return "no result after \(Int(scriptSeconds)) s" }
        let lines = run.stderrLines.map { $0.trimmingCharacters(in: .whitespaces) }
        var reasons = lines.filter { $0.hasPrefix("E: ") || $0.hasPrefix("W: ") || $0.hasPrefix("Err:") }
        reasons += lines.filter { $0.contains(": error: ") }.map { String($0[$0.range(of: ": error: ")!.upperBound...]) }
        if reasons.isEmpty { reasons = Array(lines.suffix(3)) }
        return reasons.uniqued().joined(separator: "; ") + " (\(run.termination))"
    }
}
