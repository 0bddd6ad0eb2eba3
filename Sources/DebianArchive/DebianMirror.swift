import Foundation

/// The Debian archive runtimes and audited packages are fetched from: `--mirror URL`, else
/// `TLSPROBE_DEBIAN_MIRROR`, else the archive the host's own apt sources name.
///
/// No mirror's host name is written into tlsprobe: a host that names no Debian
/// archive (Ubuntu, say) is told to give one.
package struct DebianMirror: Sendable, Equatable, CustomStringConvertible {
    /// `http://host/debian`, without a trailing slash.
    package let url: String
    /// Where it came from, for messages: `--mirror`, `TLSPROBE_DEBIAN_MIRROR`, or the sources file.
    package let origin: String

    package var description: String { url }

    /// Suites that show a source is the main Debian archive (and not a security or third-party one).
    static let debianSuites: Set<String> = [
        "bullseye", "bookworm", "trixie", "forky", "duke", "sid", "experimental",
        "oldoldstable", "oldstable", "stable", "testing", "unstable",
    ]

    /// The mirror to use, or why none can be chosen.
    package static func choose(given: String?, environment: [String: String],
                               sourcesRoot: String = "/etc/apt") -> Result<DebianMirror, MirrorUnavailable> {
        if let given { return parse(given, origin: "--mirror") }
        if let variable = environment["TLSPROBE_DEBIAN_MIRROR"], !variable.isEmpty {
            return parse(variable, origin: "TLSPROBE_DEBIAN_MIRROR")
        }
        for source in sources(in: sourcesRoot) where isMainArchive(source) {
            return .success(DebianMirror(url: trimmed(source.uri), origin: source.file))
        }
        return .failure(MirrorUnavailable(reason: "this host's apt sources (\(sourcesRoot)/sources.list, sources.list.d) name no Debian archive"))
    }

    /// Why no mirror could be chosen.
    package struct MirrorUnavailable: Error, Sendable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    private static func parse(_ text: String, origin: String) -> Result<DebianMirror, MirrorUnavailable> {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
              !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            return .failure(MirrorUnavailable(reason: "\(origin): '\(text)' is not an http:// or https:// URL"))
        }
        return .success(DebianMirror(url: trimmed(text), origin: origin))
    }

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// One enabled `deb` source: its URI and suites, and the file that names it.
    struct Source: Equatable {
        let uri: String
        let suites: [String]
        let file: String
    }

    /// A plain release suite of Debian's main archive, over HTTP(S), not the security archive.
    static func isMainArchive(_ source: Source) -> Bool {
        (source.uri.hasPrefix("http://") || source.uri.hasPrefix("https://"))
            && !source.uri.contains("security")
            && source.suites.contains(where: debianSuites.contains)
    }

    /// Every enabled `deb` source of the one-line (`.list`) and deb822 (`.sources`) formats.
    static func sources(in root: String) -> [Source] {
        let parts = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/sources.list.d")) ?? []).sorted()
        var result: [Source] = []
        let lists = [root + "/sources.list"] + parts.filter({ $0.hasSuffix(".list") }).map({ "\(root)/sources.list.d/\($0)" })
        for file in lists {
            guard let text = read(file) else { continue }
            result += oneLine(text, file: file)
        }
        for file in parts.filter({ $0.hasSuffix(".sources") }).map({ "\(root)/sources.list.d/\($0)" }) {
            guard let text = read(file) else { continue }
            result += deb822(text, file: file)
        }
        return result
    }

    /// At most 1 MiB of a sources file: they are a few lines.
    private static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 1 << 20) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `deb [options] URI SUITE COMPONENT…`.
    static func oneLine(_ text: String, file: String) -> [Source] {
        text.split(separator: "\n").compactMap { raw in
            var line = String(raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            if let open = line.firstIndex(of: "["), let close = line[open...].firstIndex(of: "]") {
                line.removeSubrange(open...close)
            }
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard words.count >= 3, words[0] == "deb" else { return nil }
            return Source(uri: words[1], suites: [words[2]], file: file)
        }
    }

    /// Stanzas of `Types:`, `URIs:`, `Suites:`, `Enabled:`.
    static func deb822(_ text: String, file: String) -> [Source] {
        var result: [Source] = []
        for stanza in text.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            var last: String?
            for line in stanza.split(separator: "\n") where !line.hasPrefix("#") {
                if line.first?.isWhitespace == true, let last {
                    fields[last, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
                    continue
                }
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].lowercased()
                fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = key
            }
            func words(_ key: String) -> [String] { (fields[key] ?? "").split(whereSeparator: \.isWhitespace).map(String.init) }
            guard words("types").contains("deb"), fields["enabled"]?.lowercased() != "no" else { continue }
            let suites = words("suites")
            result += words("uris").map { Source(uri: $0, suites: suites, file: file) }
        }
        return result
    }
}
