import BIOPatterns
import ProxyCore

/// Whether OpenSSL wrote into the application's own memory: the connection record
/// the `appdata-pointer` reproduction keeps in BIO data, read back right after
/// the OpenSSL call that must not touch it.
///
/// The report's own type (`applicationRecord` in the JSON), so that renderers and
/// consumers need nothing from the reproductions' module.
package struct ApplicationRecordEvidence: Sendable, Codable, Equatable {
    /// The OpenSSL call after which the record was read back (`BIO_set_fd`).
    package var checkedAfter: String
    /// Whether the known 64-bit pattern was still where the application wrote it.
    package var patternIntact: Bool
    /// Whether the record still held the connection's descriptor.
    package var fileDescriptorIntact: Bool
    /// What was found, offsets and values, in one sentence.
    package var detail: String

    package init(checkedAfter: String, patternIntact: Bool, fileDescriptorIntact: Bool, detail: String) {
        self.checkedAfter = checkedAfter
        self.patternIntact = patternIntact
        self.fileDescriptorIntact = fileDescriptorIntact
        self.detail = detail
    }

    /// The record check a connection's recipe made, if it made one.
    init?(_ diagnostics: ConnectDiagnostics) {
        guard let check = diagnostics.setupEvidence.lazy.compactMap({ $0 as? RecordCheck }).first else { return nil }
        self.init(checkedAfter: check.checkedAfter, patternIntact: check.patternIntact,
                  fileDescriptorIntact: check.fileDescriptorIntact, detail: check.description)
    }

    /// Nothing the application wrote was changed.
    package var intact: Bool { patternIntact && fileDescriptorIntact }
}
