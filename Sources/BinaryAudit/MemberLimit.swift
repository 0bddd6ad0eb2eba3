import ToolCore

/// How many bytes of one ELF member of a package or tar archive `tlsprobe audit`
/// reads into memory.
///
/// A member read as a stream is held whole while libelf reads it, so the bound is
/// on memory: readers × this limit at most. A member past it (a package's
/// `usr/bin/x` that decompresses to gigabytes of zeros) is that member's `error`,
/// read no further; the rest of the archive is still audited. Only members that
/// start with the ELF magic are read at all. `TLSPROBE_MAX_MEMBER_SIZE` changes it,
/// written as `TLSPROBE_MAX_UNPACK_SIZE` is (`UnpackLimit`): bytes, or a number with
/// K, M, G or T.
package struct MemberLimit: Sendable, Equatable, CustomStringConvertible {
    package let bytes: Int

    package static let variable = "TLSPROBE_MAX_MEMBER_SIZE"
    /// Larger than any ELF file Debian ships (the largest, debug symbols aside, are
    /// about 150 MiB), small enough that two readers stay near the 256 MB budget per reader.
    package static let `default` = MemberLimit(bytes: 256 << 20)

    package init(bytes: Int) {
        self.bytes = bytes
    }

    /// From `TLSPROBE_MAX_MEMBER_SIZE`, else the default; a value that is no size is refused with its name.
    package static func from(environment: [String: String]) throws(InputError) -> MemberLimit {
        guard let text = environment[variable], !text.isEmpty else { return .default }
        guard let parsed = UnpackLimit(parsing: text), let bytes = Int(exactly: parsed.bytes), bytes < Int.max else {
            throw InputError(source: variable, message: "'\(text)' is not a size: give bytes, or a number with K, M, G or T (64M, 1G)")
        }
        return MemberLimit(bytes: bytes)
    }

    /// `256 MiB`: as `UnpackLimit` writes it.
    package var description: String {
        UnpackLimit(bytes: UInt64(bytes)).description
    }
}
