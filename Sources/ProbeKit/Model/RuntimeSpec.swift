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
}
