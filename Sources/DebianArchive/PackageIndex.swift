import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ToolCore

/// A suite's `Packages` index, as apt fetched and verified it (`PrivateApt.update`):
/// which packages exist, and for each the version, file, size and SHA-256 that
/// `PackageFetcher` downloads and checks.
///
/// The index is read within a size cap, line by line as bytes; a stanza that lacks a
/// field the fetch needs, or holds one that is not what Debian writes (a name, version,
/// size or SHA-256 of other characters), is skipped and counted in `malformed`, never a
/// trap. A package listed twice keeps its higher version (`DebianVersion`).
package struct PackageIndex: Sendable {
    /// One binary package of the index.
    package struct Entry: Sendable, Equatable {
        package var name: String
        package var version: String
        package var architecture: String
        /// Below the mirror's root: `pool/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb`.
        package var filename: String
        package var size: Int
        /// Lowercase hex, 64 digits: what the cache names the file by.
        package var sha256: String
        /// Its source package and that package's version: `Source:` when the index gives one, else its own.
        package var source: String
        package var sourceVersion: String
        /// The packages its `Depends` and `Pre-Depends` name, every alternative, without versions or qualifiers.
        package var dependencies: [String]

        /// The file's own name (`curl_7.88.1-10+deb12u5_amd64.deb`): what the report calls the package.
        package var fileName: String { filename.split(separator: "/").last.map(String.init) ?? filename }
    }

    /// Indexes are tens of MiB (bookworm main amd64: about 45); past this one is not an index.
    package static let maximumBytes = 512 << 20

    /// By name.
    package private(set) var entries: [String: Entry] = [:]
    /// Stanzas skipped because a field was missing or not what Debian writes.
    package private(set) var malformed = 0

    /// The index in `bytes` (a `Packages` file, uncompressed). Lines are found with `memchr`
    /// and only the fields an entry needs become strings: an index is some 750,000 lines.
    package init(parsing bytes: [UInt8]) {
        var fields: [String: String] = [:]
        /// The field the previous line began: a wanted one's name, `""` for any other, `nil` at a stanza's start.
        var last: String?
        var broken = false
        func finish() {
            if !fields.isEmpty || broken {
                if !broken, let entry = Self.entry(fields) {
                    if let known = entries[entry.name], !DebianVersion.isLess(known.version, entry.version) {
                        // The higher version stays.
                    } else {
                        entries[entry.name] = entry
                    }
                } else {
                    malformed += 1
                }
            }
            fields = [:]
            last = nil
            broken = false
        }
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var start = 0
            while start <= count {
                let found = start < count ? memchr(base + start, Int32(UInt8(ascii: "\n")), count - start) : nil
                let end = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
                var lineEnd = end
                if lineEnd > start && base[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = UnsafeBufferPointer(rebasing: buffer[start..<lineEnd])
                start = end + 1
                if line.isEmpty {
                    finish()
                    continue
                }
                if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
                    if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                        finish()
                        continue
                    }
                    // A continuation: kept for the fields this reads, which Debian writes on one line.
                    guard let key = last else { broken = true; continue }
                    if !key.isEmpty { fields[key, default: ""] += " " + String(decoding: line, as: UTF8.self) }
                    continue
                }
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                    broken = true
                    continue
                }
                guard let key = Self.wantedKey(UnsafeBufferPointer(rebasing: line[..<colon])) else {
                    last = ""
                    continue
                }
                last = key
                if fields[key] != nil { broken = true }
                var from = colon + 1, to = line.count
                while from < to && (line[from] == UInt8(ascii: " ") || line[from] == UInt8(ascii: "\t")) { from += 1 }
                while to > from && (line[to - 1] == UInt8(ascii: " ") || line[to - 1] == UInt8(ascii: "\t")) { to -= 1 }
                fields[key] = String(decoding: UnsafeBufferPointer(rebasing: line[from..<to]), as: UTF8.self)
            }
        }
        finish()
    }

    /// The fields an entry is made of.
    private static let wanted = ["Package", "Version", "Architecture", "Filename", "Size", "SHA256", "Depends", "Pre-Depends", "Source"]
    private static let wantedBytes = wanted.map { Array($0.utf8) }

    /// The wanted field `name` spells, without making a string of every field's name.
    private static func wantedKey(_ name: UnsafeBufferPointer<UInt8>) -> String? {
        for (index, key) in wantedBytes.enumerated() where key.count == name.count && key[0] == name[0] && name.elementsEqual(key) {
            return wanted[index]
        }
        return nil
    }

    private static func entry(_ fields: [String: String]) -> Entry? {
        guard let name = fields["Package"], isName(name),
              let version = fields["Version"], isVersion(version),
              let architecture = fields["Architecture"], isName(architecture),
              let filename = fields["Filename"], isFilename(filename),
              let sizeText = fields["Size"], sizeText.allSatisfy({ $0.isASCII && $0.isNumber }), sizeText.count <= 15,
              let size = Int(sizeText),
              let sha256 = fields["SHA256"], sha256.utf8.count == 64, sha256.utf8.allSatisfy(isLowerHex) else { return nil }
        let dependencies = (dependencyNames(fields["Pre-Depends"] ?? "") + dependencyNames(fields["Depends"] ?? "")).uniqued()
        // `Source: NAME` or `Source: NAME (VERSION)`, as dpkg writes it.
        let sourceWords = (fields["Source"] ?? "").split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" }).map(String.init)
        let source = sourceWords.first.flatMap { isName($0) ? $0 : nil } ?? name
        let sourceVersion = sourceWords.count > 1 && isVersion(sourceWords[1]) ? sourceWords[1] : version
        return Entry(name: name, version: version, architecture: architecture, filename: filename, size: size,
                     sha256: sha256, source: source, sourceVersion: sourceVersion, dependencies: dependencies)
    }

    /// Every package a `Depends`-style field names: `a (>= 1) | b:any, c` gives `a`, `b`, `c`.
    package static func dependencyNames(_ field: String) -> [String] {
        var names: [String] = []
        var utf8 = field.utf8[...]
        while !utf8.isEmpty {
            // One alternative: up to the next `,` or `|`.
            let end = utf8.firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "|") } ?? utf8.endIndex
            let alternative = utf8[utf8.startIndex..<end].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            let name = alternative.prefix { !Self.endsName($0) }
            if !name.isEmpty, let text = String(name) { names.append(text) }
            utf8 = end == utf8.endIndex ? utf8[end...] : utf8[utf8.index(after: end)...]
        }
        return names
    }

    /// What ends a name in a relation: a space, a version, an architecture qualifier or list, a profile.
    private static func endsName(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: ":")
            || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "<")
    }

    /// Debian policy 5.6.1: lowercase letters, digits, `+ - .`, at least two, starting alphanumeric.
    package static func isName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 200, let first = bytes.first, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// Debian policy 5.6.12: alphanumerics and `. + - ~ :`, starting with a digit.
    static func isVersion(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 200, let first = bytes.first, first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else { return false }
        return bytes.allSatisfy { ($0 | 0x20 >= UInt8(ascii: "a") && $0 | 0x20 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
            || ".+-~:".utf8.contains($0) }
    }

    /// A relative path of printable characters ending in `.deb`, without `..`.
    static func isFilename(_ text: String) -> Bool {
        text.hasSuffix(".deb") && !text.hasPrefix("/") && text.utf8.count <= 1024
            && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f } && !text.split(separator: "/").contains("..")
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    /// The `Packages` file at `path`, refused past `maximumBytes`.
    package static func read(_ path: String, maximumBytes: Int = maximumBytes) throws(InputError) -> PackageIndex {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(source: path, message: "cannot open the package index")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw InputError(source: path, message: "cannot read the package index: \(error.localizedDescription)")
        }
        guard data.count <= maximumBytes else {
            throw InputError(source: path, message: "the package index is larger than \(maximumBytes >> 20) MiB")
        }
        return PackageIndex(parsing: [UInt8](data))
    }

    /// The entries for `names` (exact names), in the order given, or the names the index lacks.
    package func packages(named names: [String]) -> Result<[Entry], UnknownPackages> {
        let missing = names.filter { entries[$0] == nil }.uniqued()
        guard missing.isEmpty else { return .failure(UnknownPackages(names: missing)) }
        return .success(names.uniqued().compactMap { entries[$0] })
    }

    /// Every package whose `Depends` or `Pre-Depends` names `name`, in any alternative, by name.
    package func reverseDependencies(of name: String) -> [Entry] {
        entries.values.filter { $0.dependencies.contains(name) }.sorted { $0.name < $1.name }
    }

    /// Names the index does not hold.
    package struct UnknownPackages: Error, Sendable, CustomStringConvertible {
        package let names: [String]
        package var description: String {
            "no package \(names.joined(separator: ", "))"
        }
    }
}
