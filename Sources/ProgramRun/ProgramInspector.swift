import ELFInspection
import Foundation
import RunModel
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads the program before anything runs: that it is an ELF executable this host can
/// run, which libssl ABI it loads (its `DT_NEEDED` closure, as the loader would find it),
/// and whether a run of it can be observed at all.
///
/// The closure is followed by reading each library's ELF file, never by running the loader
/// on the program (`ldd` executes code of the program's choosing on some loaders), and
/// is bounded: at most `objectLimit` libraries.
package enum ProgramInspector {
    /// Where the loader looks after a library's own run path: Debian's multiarch folders first.
    static let defaultFolders = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
                                 "/usr/local/lib"]
    static let objectLimit = 512

    /// The program's facts, or an `InputError` when it cannot be run at all (missing, not
    /// a file, not executable, not ELF, another architecture): a usage error, not a run.
    package static func inspect(program: String, arguments: [String],
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws(InputError) -> ProgramFacts {
        func fail(_ message: String) -> InputError { InputError(source: "program \(program)", message: message) }
        guard let path = resolve(program, searchPath: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw fail(program.contains("/") ? "no such file" : "not found on PATH")
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw fail("cannot be read: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw fail("not a regular file") }
        guard access(path, X_OK) == 0 else { throw fail("not executable") }
        let file: ELFFile
        switch ELFReader.read(path: path) {
        case .notELF:
            throw fail("not an ELF executable (a script? name its interpreter: tlsprobe run -- /usr/bin/python3 SCRIPT)")
        case .unreadable(let reason): throw fail(reason)
        case .elf(let read): file = read
        }
        if let problem = ELFReader.loadProblem(path: path) { throw fail(problem) }
        var facts = ProgramFacts(path: path, arguments: arguments)
        if file.staticallyLinked {
            facts.unobservableReason = "statically linked: no dynamic loader runs it, so no other libssl can be put under it and nothing can be preloaded into it"
            return facts
        }
        if let reason = privilegeReason(info) {
            facts.unobservableReason = reason
            return facts
        }
        (facts.abi, facts.abiFrom) = libsslABI(of: path, file: file)
        return facts
    }

    /// Why a setuid or setgid program cannot be watched: the kernel would run it with
    /// another identity, the loader ignores a preload for it, and run through the loader it
    /// would run without that identity: either way not the program the user runs.
    static func privilegeReason(_ info: stat) -> String? {
        if info.st_mode & S_ISUID != 0, info.st_uid != geteuid() {
            return "setuid (owner uid \(info.st_uid)): the loader ignores a preload for it, and started through a runtime's loader it would run without its owner's privileges"
        }
        if info.st_mode & S_ISGID != 0, info.st_gid != getegid() {
            return "setgid (group gid \(info.st_gid)): the loader ignores a preload for it, and started through a runtime's loader it would run without its group's privileges"
        }
        return nil
    }

    /// `program` as a path: as given when it holds a `/`, else the first executable on `PATH`.
    static func resolve(_ program: String, searchPath: String) -> String? {
        if program.contains("/") {
            guard FileManager.default.fileExists(atPath: program) else { return nil }
            return URL(fileURLWithPath: program).standardizedFileURL.path
        }
        for folder in searchPath.split(separator: ":") where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The libssl soname the program loads and the object that names it: breadth first
    /// through `DT_NEEDED`, each library found in its requirer's run path, then the default
    /// folders. `(nil, nil)` when no libssl is in the closure (the program may dlopen one).
    static func libsslABI(of path: String, file: ELFFile) -> (String?, String?) {
        var queue: [(path: String, file: ELFFile)] = [(path, file)]
        var seen: Set<String> = []
        var index = 0
        while index < queue.count, seen.count < objectLimit {
            let (objectPath, object) = queue[index]
            index += 1
            if let libssl = object.neededLibraries.first(where: { $0.hasPrefix("libssl.so.") }) {
                return (libssl, objectPath)
            }
            let origin = URL(fileURLWithPath: objectPath).deletingLastPathComponent().path
            let folders = object.runPaths.map { $0.replacingOccurrences(of: "$ORIGIN", with: origin)
                .replacingOccurrences(of: "${ORIGIN}", with: origin) } + defaultFolders
            for name in object.neededLibraries where seen.insert(name).inserted {
                guard !name.contains("/") || name.hasPrefix("/") else { continue }
                let candidates = name.hasPrefix("/") ? [name] : folders.map { "\($0)/\(name)" }
                for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
                    guard case .elf(let library) = ELFReader.read(path: candidate), library.bits == 64 else { continue }
                    queue.append((candidate, library))
                    break
                }
            }
        }
        return (nil, nil)
    }
}
