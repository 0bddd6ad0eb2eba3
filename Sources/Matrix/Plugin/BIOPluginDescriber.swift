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
    /// of one name. A plug-in that cannot be loaded here still gets its mode (named
    /// after its file); its cells then say why, on each runtime.
    package static func specs(paths: [String], executable: String) throws(InputError) -> [BIOPluginSpec] {
        var specs: [BIOPluginSpec] = []
        for given in paths {
            guard let resolved = realpath(given, nil) else {
                throw InputError(source: "--bio-plugin \(given)", message: "no such file")
            }
            let path = String(cString: resolved)
            free(resolved)
            var spec = BIOPluginSpec(name: BIOPluginSpec.defaultName(path: path), path: path)
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
            guard BIOPluginSpec.isValidName(spec.name) else {
                throw InputError(source: "--bio-plugin \(given)", message: "'\(spec.name)' cannot name a mode: rename the file or define tlsprobe_plugin_name()")
            }
            if let other = specs.first(where: { $0.name == spec.name }) {
                throw InputError(source: "--bio-plugin \(given)", message: "plugin:\(spec.name) is already \(other.path); two plug-ins need two names")
            }
            specs.append(spec)
        }
        return specs
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
