import Foundation

/// Paths in this checkout, found from this file's own location so any working directory works.
package enum Repository {
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    package static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// The tlsprobe binary under test: `TLSPROBE_BIN` when set (scripts/test sets it), else the debug build.
    package static let binary: String = ProcessInfo.processInfo.environment["TLSPROBE_BIN"] ?? path(".build/debug/tlsprobe")

    /// A fresh folder of its own for a test's files.
    package static func scratch(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
