@testable import BIOPatterns
import Testing

/// The record check's sentence: every overwritten field by name, the byte span, and whether
/// the socket (and tlsprobe's canary beside it) survived. The values are made up; what OpenSSL
/// really writes is checked on a real 3.5 by the end-to-end tests (AppDataPointerTests).
@Suite struct RecordCheckTests {
    static let names = ConnectionRecord.fields.map(\.name)

    /// The first `zeroed` fields read 0, the next one `halved`, the rest as written.
    static func check(zeroed: Int, halved: Bool, descriptor: Int32 = 7) -> RecordCheck {
        let fields = names.enumerated().map { index, name in
            let written: UInt64 = 0x0000_5555_8E52_3200 + UInt64(index)
            let found: UInt64 = index < zeroed ? 0 : index == zeroed && halved ? written & 0xFFFF_FFFF_0000_0000 : written
            return RecordCheck.Field(name: name, offset: index * 8, written: written, found: found)
        }
        let last = zeroed * 8 + (halved ? 4 : 0) - 1
        return RecordCheck(checkedAfter: "BIO_set_fd", fields: fields, overwrittenBytes: last < 0 ? nil : 0...last,
                           patternOffset: ConnectionRecord.patternOffset, patternExpected: ConnectionRecord.pattern,
                           patternFound: ConnectionRecord.pattern, fileDescriptorOffset: ConnectionRecord.fileDescriptorOffset,
                           fileDescriptorExpected: 7, fileDescriptorFound: descriptor)
    }

    /// The socket lies past everything OpenSSL 3.2+'s 120-byte struct covers, and past the option fields.
    @Test func theSocketLiesPastOpenSSLsStructAndTheOptionFields() {
        #expect(ConnectionRecord.fileDescriptorOffset >= 120)
        #expect(ConnectionRecord.fields.count * 8 <= ConnectionRecord.fileDescriptorOffset)
        #expect(ConnectionRecord.patternOffset >= ConnectionRecord.fileDescriptorOffset + 4)
        #expect(Array(Self.names.prefix(3)) == ["pghost", "pghostaddr", "pgport"], "libpq's PGconn order")
    }

    @Test func aRecordZeroedAsOpenSSL35DoesIsNamedFieldByField() {
        let check = Self.check(zeroed: 14, halved: true)
        #expect(!check.intact && !check.fieldsIntact)
        #expect(check.socketUsable, "the socket and the canary survived: the BIO's read and write still work")
        #expect(check.overwrittenFields == Array(Self.names.prefix(15)))
        #expect(check.overwrittenFields.contains("pguser"))
        #expect(check.description.hasPrefix("after BIO_set_fd bytes 0–115 of the record differ from what the application wrote: pghost, pghostaddr, "))
        #expect(check.description.contains("pgpass, pgpassfile zeroed, channel_binding reads 0x0000555500000000 (written 0x000055558e52320e)"))
        #expect(check.description.contains("the other 9 option fields as written, from keepalives at offset 120"))
        #expect(check.description.hasSuffix("; the socket at offset 256 reads 7 as written"))
    }

    @Test func anIntactRecordSaysSo() {
        let check = Self.check(zeroed: 0, halved: false)
        #expect(check.intact && check.overwrittenFields.isEmpty)
        #expect(check.description == "after BIO_set_fd the record reads as written: its 24 option fields, the socket at offset 256 reads 7 as written and the canary")
    }

    @Test func aLostSocketIsNotUsable() {
        let check = Self.check(zeroed: 14, halved: true, descriptor: 0)
        #expect(!check.socketUsable)
        #expect(check.description.hasSuffix("the socket at offset 256 reads 0 (written 7)"))
    }
}
