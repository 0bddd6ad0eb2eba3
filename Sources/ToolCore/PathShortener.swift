/// Paths as a bug report should publish them: without the reporter's home folder,
/// temporary folder names or the cache's versioned folder, which say nothing to a
/// reader and may say too much about the reporter. Decided from the path alone, so
/// a report renders the same wherever it is rendered.
package enum PathShortener {
    /// `/root/x` and `/home/ann/x` → `~/x`; `…/tlsprobe/0.1.0-a3fae5d0c5e2ec45/runtimes/trixie` →
    /// `<cache>/runtimes/trixie`; `/tmp/tmp.X/y` → `<tmp>/y`. Anything else unchanged.
    /// A merged report's `HOST:/path` keeps its host: `vm#2:<cache>/runtimes/trixie`. Only an
    /// absolute path is shortened; a relative one (`./trixie`) says nothing about the reporter.
    package static func shorten(_ path: String) -> String {
        if !path.hasPrefix("/") {
            guard let colon = path.firstIndex(of: ":"), path[path.index(after: colon)...].hasPrefix("/") else { return path }
            return String(path[...colon]) + shorten(String(path[path.index(after: colon)...]))
        }
        var components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // The runtime cache: a `tlsprobe` folder holding `VERSION-HASH` folders.
        if let index = components.indices.dropLast().first(where: { components[$0] == "tlsprobe" && isCacheVersion(components[$0 + 1]) }) {
            components = ["<cache>"] + components[(index + 2)...]
            return components.joined(separator: "/")
        }
        if components.count > 2, components[0].isEmpty, components[1] == "tmp" || (components[1] == "var" && components[2] == "tmp") {
            // The folder right under it is usually a random name (`mktemp -d`); a file there stays.
            let base = components[1] == "tmp" ? 2 : 3
            let drop = components.count > base + 1 ? base + 1 : base
            return (["<tmp>"] + components.dropFirst(drop)).joined(separator: "/")
        }
        if components.count > 1, components[0].isEmpty, components[1] == "root" {
            return (["~"] + components.dropFirst(2)).joined(separator: "/")
        }
        if components.count > 2, components[0].isEmpty, components[1] == "home" {
            return (["~"] + components.dropFirst(3)).joined(separator: "/")
        }
        return path
    }

    /// A command line's arguments, each shortened where it is a path or `FORMAT:PATH` (`json:~/r.json`).
    package static func shorten(arguments: [String]) -> [String] {
        arguments.map(shorten)
    }

    /// `0.1.0-a3fae5d0c5e2ec45`: the tool's version, `-`, 16 hex digits.
    private static func isCacheVersion(_ name: String) -> Bool {
        guard let dash = name.lastIndex(of: "-") else { return false }
        let hash = name[name.index(after: dash)...]
        return hash.count == 16 && hash.allSatisfy(\.isHexDigit)
    }
}
