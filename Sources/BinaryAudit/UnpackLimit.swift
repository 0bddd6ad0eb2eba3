import ToolCore

/// How many bytes one `.deb` given to `tlsprobe audit` may expand to.
///
/// A package is a compressed archive: 23 MB of `.deb` can hold 5 GB of zeros, and
/// unpacking it without a bound fills `TMPDIR` (or the disk) before anything is
/// read. The bound is on the archive's tar stream as dpkg-deb hands it over,
/// counted while it flows, so an oversized package is stopped when it passes the
/// limit, not after. `TLSPROBE_MAX_UNPACK_SIZE` changes it: bytes, or a number with
/// K, M, G or T (powers of 1024): `512M`, `8G`.
package struct UnpackLimit: Sendable, Equatable, CustomStringConvertible {
    package let bytes: UInt64

    package static let variable = "TLSPROBE_MAX_UNPACK_SIZE"
    /// Larger than any package Debian ships unpacked (the largest are about 1 GiB),
    /// small enough that a few audits at once leave an ordinary TMPDIR room.
    package static let `default` = UnpackLimit(bytes: 2 << 30)

    package init(bytes: UInt64) {
        self.bytes = bytes
    }

    private static let units: [Character: UInt64] = [
        "K": 1 << 10, "k": 1 << 10, "M": 1 << 20, "m": 1 << 20, "G": 1 << 30, "g": 1 << 30, "T": 1 << 40, "t": 1 << 40,
    ]

    /// `2048M`, `1G`, `1048576`; `nil` for anything else, 0, or more than 2^63 bytes.
    package init?(parsing text: String) {
        var digits = Substring(text)
        var unit: UInt64 = 1
        for suffix in ["iB", "B"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits = digits.dropLast(suffix.count)
            break
        }
        if let last = digits.last, let multiple = Self.units[last] {
            unit = multiple
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(digits) else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow, bytes > 0, bytes <= UInt64(Int64.max) else { return nil }
        self.bytes = bytes
    }

    /// From `TLSPROBE_MAX_UNPACK_SIZE`, else the default; a value that is no size is refused with its name.
    package static func from(environment: [String: String]) throws(InputError) -> UnpackLimit {
        guard let text = environment[variable], !text.isEmpty else { return .default }
        guard let limit = UnpackLimit(parsing: text) else {
            throw InputError(source: variable, message: "'\(text)' is not a size: give bytes, or a number with K, M, G or T (512M, 4G)")
        }
        return limit
    }

    /// `2 GiB`, `512 MiB`, `1000 bytes`: the limit as a user gave it, in the largest unit that divides it.
    package var description: String {
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes % (1 << UInt64(shift)) == 0 {
            return "\(bytes >> UInt64(shift)) \(unit)"
        }
        return "\(bytes) bytes"
    }
}
