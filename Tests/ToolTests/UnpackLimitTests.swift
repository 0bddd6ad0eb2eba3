@testable import BinaryAudit
@testable import ToolCore
import Testing

/// `TLSPROBE_MAX_UNPACK_SIZE`: bytes, or a number with K, M, G or T; anything else is refused by name.
@Suite struct UnpackLimitTests {
    @Test(arguments: [
        ("2147483648", UInt64(2) << 30), ("512M", 512 << 20), ("8G", 8 << 30), ("1KiB", 1024), ("3kB", 3072), ("1T", 1 << 40),
    ])
    func unpackLimitsAreBytesOrPowersOf1024(_ text: String, _ bytes: UInt64) {
        #expect(UnpackLimit(parsing: text)?.bytes == bytes)
    }

    @Test(arguments: ["", "0", "-1", "1.5G", "G", "lots", "99999999999999999999", "9999999999T", "1ß", "1 G"])
    func anythingElseIsNoUnpackLimit(_ text: String) throws {
        #expect(UnpackLimit(parsing: text) == nil)
        if !text.isEmpty {
            let error = try #require(throws: InputError.self) { try UnpackLimit.from(environment: [UnpackLimit.variable: text]) }
            #expect(error.description.hasPrefix("TLSPROBE_MAX_UNPACK_SIZE: '\(text)' is not a size"))
        }
        #expect(try UnpackLimit.from(environment: [:]) == .default)
        #expect(UnpackLimit.default.description == "2 GiB")
    }
}
