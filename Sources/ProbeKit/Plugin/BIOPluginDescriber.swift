import Foundation
import ProxyCore

/// Turns the `--bio-plugin` paths into the plan's plug-ins, before any cell: each
/// one's name (asked of the plug-in itself, in a worker process of its own, since
/// the parent never loads a plug-in) and its static class from `tlsprobe audit`.
package enum BIOPluginDescriber {
    /// What a `tlsprobe worker --describe-plugin PATH` process prints, one JSON line.
    package struct Description: Codable, Sendable {
        package var name: String?
        package var error: String?
    }

    /// Longest a plug-in may take to load and answer `tlsprobe_plugin_name()`.
    static let seconds = 10.0

    /// The worker's half: loads the plug-in here and says what it is called.
    package static func describe(path: String) -> Description {
        do {
            let plugin = try BIOPlugin.load(BIOPluginSpec(name: "describe", path: path))
            return Description(name: plugin.ownName)
        } catch {
            return Description(error: error.reason)
        }
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
            if case .audited(let file) = ELFReader.read(path: path, display: path, package: nil) {
                spec.auditClass = file.class.rawValue
            }
            let asked = ask(path: path, executable: executable)
            if let name = asked.name {
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

    private static func ask(path: String, executable: String) -> Description {
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let run: ScriptRun
        do {
            run = try ScriptRun.run([executable, "worker", "--describe-plugin", path], environment: environment,
                                    seconds: seconds) { _ in }
        } catch {
            return Description(error: "cannot start a worker to load it: \(error)")
        }
        if run.timedOut { return Description(error: "loading it took more than \(Int(seconds)) s") }
        guard run.termination == .exited(0), let line = run.result,
              let description = try? JSONDecoder().decode(Description.self, from: Data(line.utf8)) else {
            let said = run.stderrLines.suffix(2).joined(separator: " | ")
            return Description(error: "loading it ended the worker (\(run.termination))\(said.isEmpty ? "" : ": \(said)")")
        }
        return description
    }
}
