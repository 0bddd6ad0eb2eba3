import Foundation

/// Runtime folders worth offering when completing `--runtime`: those
/// `scripts/fetch-openssl-runtime` made under `.runtimes/` in the current folder.
enum RuntimeFolders {
    static func known() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ".runtimes")) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { ".runtimes/\($0)" }
    }
}
