#if canImport(Glibc)
import Glibc
#endif

/// Which OpenSSL a worker loads: the one the binary is linked against, a Debian
/// line fetched on first use, or a folder holding `libssl.so.N` and
/// `libcrypto.so.N` (and maybe its own loader and libc).
package enum RuntimeSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case system
    case line(OpenSSLLine)
    case folder(String)

    /// What `--runtime all` stands for: every line, oldest first.
    package static let all: [RuntimeSpec] = OpenSSLLine.allCases.map { .line($0) }

    /// `system`, a line's suite or series (`trixie`, `3.5`), `all`, or anything else
    /// as a folder path; a folder that shares a line's name is given as `./trixie`.
    package static func parse(_ argument: String) -> [RuntimeSpec] {
        if argument == "system" { return [.system] }
        if argument == "all" { return all }
        if let line = OpenSSLLine(name: argument) { return [.line(line)] }
        return [.folder(argument)]
    }

    /// Whether `argument`, which `parse` takes for a folder, reads as a name rather than a
    /// path: no `/` in it, and not `.` or `..`. The CLI answers such an argument that names
    /// nothing on disk (`trixy`, `3.2`) with the names a line goes by, not "no such folder";
    /// a folder that shares the shape is still reachable as `./trixy`.
    package static func readsAsName(_ argument: String) -> Bool {
        guard parse(argument) == [.folder(argument)] else { return false }
        return !argument.contains("/") && argument != "." && argument != ".."
    }

    /// The name cells and reports use: `system`, the line's suite, or the folder as given.
    package var name: String {
        switch self {
        case .system: "system"
        case .line(let line): line.rawValue
        case .folder(let path): path
        }
    }

    package var description: String { name }

    /// `specs` without repeats: a folder named twice (relative and absolute, with a
    /// trailing slash, through a symlink) is one runtime, under the name given first.
    package static func distinct(_ specs: [RuntimeSpec]) -> [RuntimeSpec] {
        var seen = Set<String>()
        return specs.filter { seen.insert($0.identity).inserted }
    }

    /// What makes two specs the same runtime: the folder's resolved real path.
    private var identity: String {
        switch self {
        case .system: return "system"
        case .line(let line): return "line:" + line.rawValue
        case .folder(let path):
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return "folder:" + String(cString: resolved)
        }
    }
}
