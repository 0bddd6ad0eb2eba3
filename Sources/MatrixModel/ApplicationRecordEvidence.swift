import BIOPatterns
import ProxyCore

/// Whether OpenSSL wrote into the application's own memory: the connection record
/// the `appdata-pointer` reproduction keeps in BIO data (modelled on libpq's
/// `PGconn`: option pointers first, the socket far from the start), read back
/// right after the OpenSSL call that must not touch it.
///
/// The report's own type (`applicationRecord` in the JSON), so that renderers and
/// consumers need nothing from the reproductions' module.
package struct ApplicationRecordEvidence: Sendable, Codable, Equatable {
    /// A span of the record's bytes: from `offset`, `length` bytes.
    package struct ByteSpan: Sendable, Codable, Equatable, CustomStringConvertible {
        package var offset: Int
        package var length: Int

        package init(offset: Int, length: Int) {
            self.offset = offset
            self.length = length
        }

        /// `0–115`.
        package var description: String { "\(offset)–\(offset + length - 1)" }
    }

    /// What the application meets next when OpenSSL's destroy freed the record.
    package static let doubleFree = "the application's own free of the record would be a double free: OpenSSL's destroy frees it first"

    /// The OpenSSL call after which the record was read back (`BIO_set_fd`).
    package var checkedAfter: String
    /// Whether everything the application wrote besides the socket (its option fields and the
    /// canary) was still as written.
    package var patternIntact: Bool
    /// Whether the record still held the connection's descriptor.
    package var fileDescriptorIntact: Bool
    /// Where the record keeps the descriptor; absent in reports from before it was recorded.
    package var fileDescriptorOffset: Int?
    /// The record's fields whose value changed, in the record's order (`pghost`, `pguser`, …);
    /// absent in reports from before it was recorded.
    package var overwrittenFields: [String]?
    /// From the first to the last byte that differs from what the application wrote; absent
    /// where none does.
    package var overwrittenBytes: ByteSpan?
    /// What was found, offsets and values, in one sentence.
    package var detail: String

    package init(checkedAfter: String, patternIntact: Bool, fileDescriptorIntact: Bool, fileDescriptorOffset: Int? = nil,
                 overwrittenFields: [String]? = nil, overwrittenBytes: ByteSpan? = nil, detail: String) {
        self.checkedAfter = checkedAfter
        self.patternIntact = patternIntact
        self.fileDescriptorIntact = fileDescriptorIntact
        self.fileDescriptorOffset = fileDescriptorOffset
        self.overwrittenFields = overwrittenFields
        self.overwrittenBytes = overwrittenBytes
        self.detail = detail
    }

    /// The record check a connection's recipe made, if it made one.
    init?(_ setupEvidence: [any Sendable]) {
        guard let check = setupEvidence.lazy.compactMap({ $0 as? RecordCheck }).first else { return nil }
        self.init(checkedAfter: check.checkedAfter, patternIntact: check.fieldsIntact && check.patternIntact,
                  fileDescriptorIntact: check.fileDescriptorIntact, fileDescriptorOffset: check.fileDescriptorOffset,
                  overwrittenFields: check.overwrittenFields,
                  overwrittenBytes: check.overwrittenBytes.map { ByteSpan(offset: $0.lowerBound, length: $0.count) },
                  detail: check.description)
    }

    /// Nothing the application wrote was changed.
    package var intact: Bool { patternIntact && fileDescriptorIntact }

    /// `OpenSSL wrote into the application's record at BIO_set_fd: bytes 0–115 (15 fields,
    /// pghost to channel_binding); the socket at offset 256 survived`; `nil` when it is intact.
    /// The detail names every field.
    package var overwriteSummary: String? {
        guard !intact else { return nil }
        var text = "OpenSSL wrote into the application's record at \(checkedAfter)"
        var what: [String] = []
        if let bytes = overwrittenBytes { what.append("bytes \(bytes.description)") }
        if let fields = overwrittenFields, let first = fields.first, let last = fields.last {
            what.append(fields.count <= 3 ? "(\(fields.joined(separator: ", ")))" : "(\(fields.count) fields, \(first) to \(last))")
        }
        if !what.isEmpty { text += ": " + what.joined(separator: " ") }
        let socket = fileDescriptorOffset.map { "the socket at offset \($0)" } ?? "the socket"
        return text + (fileDescriptorIntact ? "; \(socket) survived" : "; \(socket) was overwritten too")
    }
}
