/// What the application's connection record held right after an OpenSSL call
/// that had no business touching it: each option field, the canary pattern and
/// the descriptor the application put there, as found, and which bytes differ.
///
/// The check belongs to the probe, not to the design it reproduces (PostgreSQL
/// never checked): it is how a cell shows that OpenSSL wrote into the record,
/// and where.
package struct RecordCheck: Sendable, Equatable, CustomStringConvertible {
    /// One of the record's option fields (a pointer to a string): what the application wrote, what was found.
    package struct Field: Sendable, Equatable {
        package var name: String
        package var offset: Int
        package var written: UInt64
        package var found: UInt64

        package var intact: Bool { written == found }
    }

    /// The OpenSSL call after which the record was read back (`BIO_set_fd`).
    package var checkedAfter: String
    /// The option fields, in the record's order.
    package var fields: [Field]
    /// The first and last byte of the record that differ from what the application wrote.
    package var overwrittenBytes: ClosedRange<Int>?
    package var patternOffset: Int
    package var patternExpected: UInt64
    package var patternFound: UInt64
    package var fileDescriptorOffset: Int
    package var fileDescriptorExpected: Int32
    package var fileDescriptorFound: Int32

    package var patternIntact: Bool { patternFound == patternExpected }
    package var fileDescriptorIntact: Bool { fileDescriptorFound == fileDescriptorExpected }
    package var fieldsIntact: Bool { fields.allSatisfy(\.intact) }
    package var intact: Bool { fieldsIntact && patternIntact && fileDescriptorIntact }
    /// The BIO's read and write still find the record (by its canary) and the connection's socket in it.
    package var socketUsable: Bool { patternIntact && fileDescriptorIntact }
    package var overwrittenFields: [String] { fields.filter { !$0.intact }.map(\.name) }

    /// `after BIO_set_fd bytes 0–115 of the record differ from what the application wrote:
    /// pghost, …, pgpassfile zeroed, channel_binding reads 0x… (written 0x…), the other 9 option
    /// fields as written, from keepalives at offset 120; the socket at offset 256 reads 7 as written`.
    package var description: String {
        let socket = "the socket at offset \(fileDescriptorOffset) reads \(fileDescriptorFound)"
            + (fileDescriptorIntact ? " as written" : " (written \(fileDescriptorExpected))")
        let canary = patternIntact ? ""
            : "; tlsprobe's canary at offset \(patternOffset) reads \(Self.hex(patternFound)) (written \(Self.hex(patternExpected)))"
        guard let bytes = overwrittenBytes else {
            return "after \(checkedAfter) the record reads as written: its \(fields.count) option fields, \(socket) and the canary"
        }
        let changed = fields.filter { !$0.intact }
        let zeroed = changed.filter { $0.found == 0 }.map(\.name)
        let other = changed.filter { $0.found != 0 }.map { "\($0.name) reads \(Self.hex($0.found)) (written \(Self.hex($0.written)))" }
        var parts: [String] = []
        if !zeroed.isEmpty { parts.append("\(zeroed.joined(separator: ", ")) zeroed") }
        parts += other
        let intact = fields.filter(\.intact)
        if let first = intact.first {
            parts.append(intact.count == 1 ? "\(first.name) as written"
                : "the other \(intact.count) option fields as written, from \(first.name) at offset \(first.offset)")
        }
        if parts.isEmpty { parts.append("every option field as written") }
        return "after \(checkedAfter) bytes \(bytes.lowerBound)–\(bytes.upperBound) of the record differ from what the application wrote: "
            + parts.joined(separator: ", ") + "; \(socket)\(canary)"
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
