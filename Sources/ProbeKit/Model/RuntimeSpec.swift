#if canImport(Glibc)
import Glibc
#endif

/// Which OpenSSL a worker loads: the one the binary is linked against, or a
/// folder holding `libssl.so.3` and `libcrypto.so.3` (and maybe its own loader and libc).
package enum RuntimeSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case system
    case folder(String)

    /// `system`, or anything else as a folder path.
    package init(argument: String) {
        self = argument == "system" ? .system : .folder(argument)
    }

    /// The name cells and reports use: `system` or the folder as given.
    package var name: String {
        switch self {
        case .system: "system"
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
        case .folder(let path):
            guard let resolved = realpath(path, nil) else { return path }
            defer { free(resolved) }
            return "folder:" + String(cString: resolved)
        }
    }
}
