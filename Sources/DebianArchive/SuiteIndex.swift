import Foundation
import ToolCore

/// What `PrivateApt.update` left for one suite: the `main` component's `Packages`
/// index for one architecture, and the date its signed `InRelease` gives (what an
/// audit by query names, so a reader knows which state of the archive it saw).
///
/// Only `main`: the packages a packager audits by query (and the runtimes) are there;
/// `contrib` and `non-free` are not read.
package struct SuiteIndex: Sendable {
    package let suite: String
    package let architecture: String
    /// `InRelease`'s `Date:`, as the archive writes it (`Sat, 10 May 2025 09:19:01 UTC`).
    package let date: String
    package let packages: PackageIndex

    /// The suite's indexes in `lists` (apt's `Dir::State::Lists`, verified by apt).
    package init(lists: String, suite: String, architecture: String) throws(InputError) {
        self.suite = suite
        self.architecture = architecture
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: lists)) ?? []).sorted()
        guard let index = names.first(where: { $0.hasSuffix("_dists_\(suite)_main_binary-\(architecture)_Packages") }) else {
            throw InputError(source: "suite \(suite)", message: "the mirror's \(suite) has no main index for \(architecture)")
        }
        packages = try PackageIndex.read(lists + "/" + index)
        date = names.first(where: { $0.hasSuffix("_dists_\(suite)_InRelease") })
            .flatMap { Self.releaseDate(lists + "/" + $0) } ?? "unknown"
    }

    /// The `Date:` field of a (clear-signed) `InRelease`, from its first 64 KiB.
    static func releaseDate(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 1 << 16) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Date:") {
            let value = line.dropFirst("Date:".count).trimmingCharacters(in: .whitespaces)
            return value.count <= 64 && value.allSatisfy({ $0.isASCII && !$0.isNewline }) ? value : nil
        }
        return nil
    }
}
