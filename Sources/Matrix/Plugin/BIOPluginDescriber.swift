import BinaryAudit
import ELFInspection
import Foundation
import MatrixModel
import ProcessKit
import ProxyCore
import ToolCore

/// Turns the `--bio-plugin` paths into the plan's plug-ins, before any cell: each
/// one's name (asked of the plug-in itself, in a worker process of its own, since
/// the parent never loads a plug-in) and its static class from `tlsprobe audit`.
package enum BIOPluginDescriber {
    /// What a `tlsprobe worker --describe-plugin PATH --parent PID` process says on its
    /// descriptor 3, one JSON line each: first whether loading the plug-in (its ELF checks,
    /// `dlopen`, its constructors) went through, then what `tlsprobe_plugin_name()` returned.
    /// The parent tells which step a crash or a hang happened in from which lines came.
    package struct Description: Codable, Sendable {
        package var name: String?
        package var error: String?
        /// Set on the first line when the plug-in is loaded: its constructors have run.
        package var loaded: Bool?

        package func line() -> String {
            // Two optional strings and a flag: encoding cannot fail.
            String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
        }
    }

    /// Longest a plug-in may take to load and answer `tlsprobe_plugin_name()`: a plug-in that
    /// hangs costs this once, before the matrix, then at most a cell's deadline per runtime.
    static let seconds = 5.0

    /// The worker's half: loads the plug-in here, says so, then says what it is called.
    package static func describe(path: String, emit: (Description) -> Void) {
        let plugin: BIOPlugin
        do {
            plugin = try BIOPlugin.load(BIOPluginSpec(name: "describe", path: path))
        } catch {
            return emit(Description(error: error.reason))
        }
        emit(Description(loaded: true))
        emit(Description(name: plugin.ownName()))
    }

    /// The parent's half. Throws for what the user must fix: no such file, two plug-ins
    /// of one name, two builds for one ABI. A plug-in that cannot be loaded here still gets
    /// its mode (named after its file); its cells then say why, on each runtime.
    package static func specs(paths: [String], executable: String) throws(InputError) -> [BIOPluginSpec] {
        var specs: [BIOPluginSpec] = []
        for given in paths {
            let spec: BIOPluginSpec
            switch Argument(given) {
            case .file(let file):
                spec = try single(file, argument: given, executable: executable)
            case .folder(let folder):
                spec = try several(name: nil, folder: folder, paths: try soFiles(in: folder, given: given), given: given, executable: executable)
            case .builds(let name, let paths):
                spec = try several(name: name, folder: nil, paths: paths, given: given, executable: executable)
            }
            guard BIOPluginSpec.isValidName(spec.name) else {
                throw InputError(source: "--bio-plugin \(given)", message: "'\(spec.name)' cannot name a mode: rename the file or folder, define tlsprobe_plugin_name(), or give NAME=a.so,b.so")
            }
            if let other = specs.first(where: { $0.name == spec.name }) {
                throw InputError(source: "--bio-plugin \(given)", message: "plugin:\(spec.name) is already \(other.path); two plug-ins need two names")
            }
            specs.append(spec)
        }
        return specs
    }

    private static func resolve(_ path: String, given: String) throws(InputError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw InputError(source: "--bio-plugin \(given)", message: "\(path): no such file")
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `--bio-plugin FILE.so`: one build, tried on every runtime, as before several builds.
    private static func single(_ file: String, argument: String, executable: String) throws(InputError) -> BIOPluginSpec {
        guard let resolved = realpath(file, nil) else {
            throw InputError(source: "--bio-plugin \(argument)", message: "no such file")
        }
        let path = String(cString: resolved)
        free(resolved)
        var spec = BIOPluginSpec(name: BIOPluginSpec.defaultName(path: path), path: path,
                                 builds: [BIOPluginSpec.Build(path: path, libssl: libssl(path))])
        spec.auditClass = AuditedFile.read(path: path, display: path, package: nil)?.class
        // Built for another OpenSSL ABI than this process's: no worker of this ABI can load it,
        // and its reason would name this host's OpenSSL, not the runtimes it is meant for.
        // Those runtimes' cells say whether it loads there.
        let foreign = BIOPlugin.foreignNeeds(path: path)
        let asked = foreign.isEmpty ? ask(path: path, executable: executable) : Description()
        if !foreign.isEmpty {
            spec.note = "named after its file: it needs \(foreign.joined(separator: " and ")), an OpenSSL ABI this tlsprobe's own process (\(OpenSSLRuntime.headerLibsslSoname)) does not load, so tlsprobe_plugin_name() was not asked; each runtime's cells say whether it loads there"
        } else if let name = asked.name {
            if BIOPluginSpec.isValidName(name) {
                spec.name = name
            } else {
                spec.note = "tlsprobe_plugin_name() returned \"\(name)\", not a name of letters, digits, -, _ and .; the file's name is used"
            }
        } else if let error = asked.error {
            spec.note = "named after its file: \(error)"
        }
        return spec
    }

    /// The `*.so` files of a folder, not recursive, in name order (hidden files left out).
    private static func soFiles(in folder: String, given: String) throws(InputError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw InputError(source: "--bio-plugin \(given)", message: "cannot list the folder: \(error.localizedDescription)")
        }
        let files = names.filter { $0.hasSuffix(".so") && !$0.hasPrefix(".") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw InputError(source: "--bio-plugin \(given)", message: "the folder holds no *.so (one build of the plug-in per OpenSSL ABI)")
        }
        return files
    }

    /// The libssl soname the file at `path` is built for, from its dynamic section.
    private static func libssl(_ path: String) -> String? {
        guard case .elf(let file) = ELFReader.read(path: path) else { return nil }
        return BIOPlugin.libssl(of: file)
    }

    /// One BIO in several builds (a folder's `*.so`, or `NAME=a.so,b.so`): one mode whose
    /// workers each load the build their runtime's ABI needs. Each build must name its ABI,
    /// and no two the same one. The name: `NAME=`'s; for a folder, the one every build this
    /// process can ask agrees on with `tlsprobe_plugin_name()`, else the folder's name.
    private static func several(name: String?, folder: String?, paths: [String], given: String,
                                executable: String) throws(InputError) -> BIOPluginSpec {
        func fail(_ message: String) -> InputError { InputError(source: "--bio-plugin \(given)", message: message) }
        var builds: [BIOPluginSpec.Build] = []
        for path in paths {
            guard !path.isEmpty else { throw fail("an empty path in the list of builds") }
            let resolved = try resolve(path, given: given)
            if let problem = BIOPlugin.problemBeforeABI(with: resolved) { throw fail(problem) }
            guard let abi = libssl(resolved) else {
                throw fail("\(resolved) needs no libssl or libcrypto (its DT_NEEDED), so tlsprobe cannot tell which runtimes it is for: link it with $(pkg-config --libs openssl)")
            }
            if let twin = builds.first(where: { $0.libssl == abi }) {
                throw fail("\(twin.path) and \(resolved) are both built for \(abi): give one build per OpenSSL ABI")
            }
            builds.append(BIOPluginSpec.Build(path: resolved, libssl: abi))
        }
        let shown = folder.map { (try? resolve($0, given: given)) ?? $0 } ?? builds.map(\.path).joined(separator: ",")
        var spec = BIOPluginSpec(name: name ?? BIOPluginSpec.defaultName(path: shown), path: shown, builds: builds)
        spec.auditClass = AuditedFile.read(path: builds[0].path, display: builds[0].path, package: nil)?.class
        guard name == nil else { return spec }
        // Only the builds this process's ABI can load can be asked; the others are named in the note.
        let askable = builds.filter { BIOPlugin.foreignNeeds(path: $0.path).isEmpty }
        let answers = askable.map { ask(path: $0.path, executable: executable).name }
        let unasked = builds.filter { !askable.contains($0) }.map(\.path)
        let names = Set(answers.compactMap { $0 })
        if let agreed = names.first, names.count == 1, answers.allSatisfy({ $0 != nil }), BIOPluginSpec.isValidName(agreed) {
            spec.name = agreed
            if !unasked.isEmpty {
                spec.note = "tlsprobe_plugin_name() of \(askable.map(\.path).joined(separator: ", ")); not asked of \(unasked.joined(separator: ", ")), built for an OpenSSL ABI this tlsprobe's own process (\(OpenSSLRuntime.headerLibsslSoname)) does not load"
            }
        } else {
            let why = askable.isEmpty ? "no build is for this tlsprobe's own OpenSSL ABI (\(OpenSSLRuntime.headerLibsslSoname)), so tlsprobe_plugin_name() was not asked"
                : names.count > 1 ? "the builds' tlsprobe_plugin_name() disagree (\(names.sorted().joined(separator: ", ")))"
                : "not every build asked answers tlsprobe_plugin_name()"
            spec.note = "named after its folder: \(why); give NAME=a.so,b.so to choose the name"
        }
        return spec
    }

    /// Asks a worker of its own, bound to this process (it dies with it), and kills its
    /// process group afterwards: a constructor that forks leaves nothing behind.
    private static func ask(path: String, executable: String) -> Description {
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments: [executable, "worker", "--describe-plugin", path, "--parent", String(getpid())],
                                     environment: environment, messageChannel: true)
        } catch {
            return Description(error: "cannot start a worker to load it: \(error)")
        }
        defer { child.killGroup() }
        let reader = LineReader(child: child)
        let deadline = Deadline.after(seconds: seconds)
        var loaded = false
        while true {
            switch reader.next(until: deadline) {
            case .line(let line):
                guard let description = try? JSONDecoder().decode(Description.self, from: Data(line.utf8)) else { continue }
                if description.loaded == true {
                    loaded = true
                    continue
                }
                child.kill()
                child.wait()
                return description
            case .end:
                let status = child.wait()
                reader.drainStderr()
                let said = reader.stderrTail
                let step = loaded ? "tlsprobe_plugin_name() ended the worker" : "loading it (its constructors) ended the worker"
                return Description(error: "\(step) (\(status))\(said.isEmpty ? "" : ": \(said)")")
            case .timedOut:
                child.kill()
                child.wait()
                let step = loaded ? "tlsprobe_plugin_name() did not answer" : "loading it (its constructors) did not end"
                return Description(error: "\(step) within \(Int(seconds)) s; the worker was killed")
            }
        }
    }
}
