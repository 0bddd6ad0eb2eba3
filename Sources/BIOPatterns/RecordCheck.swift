/// What the application's connection record held right after an OpenSSL call
/// that had no business touching it: the canary pattern and the descriptor the
/// application put there, as found.
///
/// The check belongs to the probe, not to the design it reproduces (PostgreSQL
/// never checked): it is how a cell shows that OpenSSL wrote into the record.
package struct RecordCheck: Sendable, Equatable, CustomStringConvertible {
    /// The OpenSSL call after which the record was read back (`BIO_set_fd`).
    package var checkedAfter: String
    package var patternOffset: Int
    package var patternExpected: UInt64
    package var patternFound: UInt64
    package var fileDescriptorOffset: Int
    package var fileDescriptorExpected: Int32
    package var fileDescriptorFound: Int32

    package var patternIntact: Bool { patternFound == patternExpected }
    package var fileDescriptorIntact: Bool { fileDescriptorFound == fileDescriptorExpected }
    package var intact: Bool { patternIntact && fileDescriptorIntact }

    /// `after BIO_set_fd the pattern at offset 8 reads 0x0000000000000000 (written 0x65626f7270736c74), …`.
    package var description: String {
        let pattern = "the pattern at offset \(patternOffset) reads \(Self.hex(patternFound))"
            + (patternIntact ? " as written" : " (written \(Self.hex(patternExpected)))")
        let descriptor = "the descriptor at offset \(fileDescriptorOffset) reads \(fileDescriptorFound)"
            + (fileDescriptorIntact ? " as written" : " (written \(fileDescriptorExpected))")
        return "after \(checkedAfter) \(pattern) and \(descriptor)"
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
