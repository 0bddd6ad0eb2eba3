import ELFInspection
import Foundation
import ToolCore

/// Which build of tlsprobe is running: its version and the linker's build id
/// (`NT_GNU_BUILD_ID`, read with libelf from the running executable).
///
/// The runtime cache is keyed by it, so two versions or two checkouts that
/// share `~/.cache/tlsprobe` never use, rebuild or replace each other's workers
/// and runtimes; a worker built for one parent is never started by another.
package struct BuildIdentity: Sendable, Equatable {
    package let version: String
    /// Hex digits; `nil` when the executable carries no build id.
    package let buildID: String?
    /// The git commit `scripts/lib/stamp-commit` recorded in the executable (`scripts/package`
    /// does); `nil` for a plain `swift build`. Not part of `key`: stamping leaves the build id,
    /// and so the build, as they were.
    package let commit: String?

    package init(version: String, buildID: String?, commit: String? = nil) {
        self.version = version
        self.buildID = buildID
        self.commit = commit
    }

    /// The build of the tlsprobe executable at `path`.
    package init(executable path: String) {
        let file: ELFFile? = if case .elf(let file) = ELFReader.read(path: path, depth: .buildID) { file } else { nil }
        self.init(version: ToolVersion.current, buildID: file?.buildID, commit: file?.tlsprobeCommit)
    }

    /// This process's build, read once.
    package static let current = BuildIdentity(executable: "/proc/self/exe")

    /// The cache folder's name: `0.1.0-1a2b3c4d5e6f`, or `0.1.0-unknown` without a build id.
    package var key: String { "\(version)-\(buildID.map { String($0.prefix(16)) } ?? "unknown")" }

    /// The build id in `path`'s `SHT_NOTE` sections; `nil` when there is none or the file cannot be read.
    package static func buildID(of path: String) -> String? {
        guard case .elf(let file) = ELFReader.read(path: path, depth: .buildID) else { return nil }
        return file.buildID
    }
}
