import Foundation
import Matrix
import ProcessKit
import ToolCore

/// Where `libtlsprobe-observer.so`, the object `tlsprobe run` preloads into the user's
/// program, is: shipped by the package beside the binary, or built from the checkout the
/// binary lies in. Either way checked with `FolderTrust` before anything loads it: the
/// object runs inside the user's program, often as root.
///
/// It is plain C with no Swift runtime (`scripts/build-observer`), so SwiftPM does not
/// build it: a checkout builds it on demand, as it builds the workers for other ABIs.
package enum ObserverLibrary {
    /// The file's name, installed and built.
    package static let fileName = "libtlsprobe-observer.so"

    /// Longest a build of it may take (one C compile: seconds, on a loaded machine more).
    static let buildSeconds = 300.0

    /// The sources a built copy is checked against: newer than the copy, it is built again.
    static let sources = ["Sources/CWriteObserver/interpose.c", "Sources/CWriteObserver/interpose.h",
                          "Sources/CWriteObserver/preload/recorder.c", "scripts/build-observer"]

    /// The observer for the tlsprobe binary at `executable`: `PREFIX/lib/tlsprobe/libtlsprobe-observer.so`
    /// beside `PREFIX/bin/tlsprobe` when installed; in a checkout (`sourceTree`, as
    /// `RuntimeProvisioner.findSourceTree` finds it), `SOURCETREE/.build-observer/libtlsprobe-observer.so`,
    /// built first when it is missing or older than its sources.
    package static func locate(executable: String, sourceTree: String?) throws(InputError) -> String {
        let installed = installedPath(executable: executable)
        if FileManager.default.fileExists(atPath: installed) {
            return try trusted(installed)
        }
        guard let sourceTree else {
            throw InputError(source: "observer",
                             message: "\(fileName) is not installed (looked for \(installed)); reinstall the tlsprobe package")
        }
        let built = builtPath(sourceTree: sourceTree)
        if let stale = staleness(of: built, sourceTree: sourceTree) {
            try build(sourceTree: sourceTree, output: built, reason: stale)
        }
        return try trusted(built)
    }

    /// `PREFIX/lib/tlsprobe/libtlsprobe-observer.so` for `PREFIX/bin/tlsprobe`.
    package static func installedPath(executable: String) -> String {
        URL(fileURLWithPath: executable).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("lib/tlsprobe/\(fileName)").path
    }

    /// `SOURCETREE/.build-observer/libtlsprobe-observer.so`.
    package static func builtPath(sourceTree: String) -> String {
        "\(sourceTree)/.build-observer/\(fileName)"
    }

    /// Why `built` must be built (missing, or older than a source), `nil` when it is current.
    static func staleness(of built: String, sourceTree: String) -> String? {
        guard let builtDate = modificationDate(built) else { return "not built yet" }
        for source in sources {
            guard let sourceDate = modificationDate("\(sourceTree)/\(source)") else {
                return "\(source) is missing from \(sourceTree)"
            }
            if sourceDate > builtDate { return "\(source) changed since it was built" }
        }
        return nil
    }

    private static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Runs `scripts/build-observer` as a guarded helper. The script writes aside and
    /// renames into place: two tlsprobe processes building at once each leave a whole file.
    private static func build(sourceTree: String, output: String, reason: String) throws(InputError) {
        let script = "\(sourceTree)/scripts/build-observer"
        if let problem = FolderTrust.problem(with: script) {
            throw InputError(source: "observer", message: "cannot build \(fileName) (\(reason)): \(problem)")
        }
        let run: ScriptRun
        do {
            run = try ScriptRun.run([script, output], environment: ProcessInfo.processInfo.environment, seconds: buildSeconds)
        } catch {
            throw InputError(source: "observer", message: "cannot start scripts/build-observer: \(error)")
        }
        guard run.succeeded else {
            let why = run.timedOut ? "no result after \(Int(buildSeconds)) s" : "\(run.termination)"
            var said = run.stderrLines.filter { $0.contains("error") }.prefix(2).joined(separator: "; ")
            if said.isEmpty { said = run.stderrLines.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "" }
            throw InputError(source: "observer",
                             message: "scripts/build-observer \(output) failed (\(why))\(said.isEmpty ? "" : ": \(said)")")
        }
        guard FileManager.default.fileExists(atPath: output) else {
            throw InputError(source: "observer", message: "scripts/build-observer succeeded but left no \(output)")
        }
    }

    private static func trusted(_ path: String) throws(InputError) -> String {
        if let problem = FolderTrust.problem(with: path) {
            throw InputError(source: "observer", message: "will not preload \(path) into the program: \(problem)")
        }
        return path
    }
}
