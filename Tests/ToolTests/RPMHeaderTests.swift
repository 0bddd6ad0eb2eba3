@testable import BinaryAudit
import Testing

/// The rpm header parser on headers built here byte by byte: the identity read from
/// the main header past a signature header, and every corruption a `Corrupt` that
/// names it, never a trap or an out-of-range read.
@Suite struct RPMHeaderTests {
    /// One header structure: magic, reserved, counts, the index, the store.
    static func structure(_ entries: [(tag: UInt32, type: UInt32, value: [UInt8])], offsets: [UInt32]? = nil,
                          count: UInt32? = nil, storeSize: UInt32? = nil) -> [UInt8] {
        var index: [UInt8] = [], store: [UInt8] = []
        func word(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        for (position, entry) in entries.enumerated() {
            index += word(entry.tag) + word(entry.type) + word(offsets?[position] ?? UInt32(store.count)) + word(1)
            store += entry.value
        }
        return RPMHeader.headerMagic + [0, 0, 0, 0] + word(count ?? UInt32(entries.count)) + word(storeSize ?? UInt32(store.count)) + index + store
    }

    static func string(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    static let fields: [(tag: UInt32, type: UInt32, value: [UInt8])] = [
        (100, 8, string("C")), (1000, 6, string("openssl-libs")), (1001, 6, string("3.2.2")), (1002, 6, string("1.fc41")),
        (1003, 4, [0, 0, 0, 1]), (1022, 6, string("x86_64")), (1044, 6, string("openssl-3.2.2-1.fc41.src.rpm")),
    ]

    /// A lead, a 5-byte signature store (padded to 8), then `main`, then a payload stand-in.
    static func rpm(_ main: [UInt8]) -> [UInt8] {
        var lead = RPMHeader.leadMagic + [3, 0] + [UInt8](repeating: 0, count: 90)
        lead += structure([(62, 7, [1, 2, 3, 4, 5])])
        lead += [UInt8](repeating: 0, count: (8 - lead.count % 8) % 8)
        return lead + main + [0x1F, 0x8B]
    }

    /// 96 bytes of lead, 16 + 16 + 5 of signature header, padded to 136.
    static let mainStart = 136

    static func parse(_ bytes: [UInt8]) throws(RPMHeader.Corrupt) -> RPMHeader {
        try RPMHeader.parse { offset, count in
            guard offset >= 0, offset <= bytes.count else { return nil }
            return Array(bytes[offset..<min(bytes.count, offset + count)])
        }
    }

    @Test func theIdentityIsReadFromTheMainHeader() throws {
        let header = try Self.parse(Self.rpm(Self.structure(Self.fields)))
        #expect(header == RPMHeader(name: "openssl-libs", epoch: 1, version: "3.2.2", release: "1.fc41", arch: "x86_64",
                                    sourceRPM: "openssl-3.2.2-1.fc41.src.rpm"))
        #expect(header.packageInfo == DebianPackageInfo(name: "openssl-libs", version: "1:3.2.2-1.fc41", architecture: "x86_64",
                                                        source: "openssl", sourceVersion: "3.2.2-1.fc41", format: "rpm"))
    }

    @Test func aPayloadLibarchiveCannotReadIsSaidBeforeItIsTried() throws {
        let cpio = Self.fields + [(1124, 6, Self.string("cpio")), (1125, 6, Self.string("zstd"))]
        #expect(try Self.parse(Self.rpm(Self.structure(cpio))).unreadablePayload == nil)
        let lzip = Self.fields + [(1124, 6, Self.string("cpio")), (1125, 6, Self.string("lzip"))]
        #expect(try Self.parse(Self.rpm(Self.structure(lzip))).unreadablePayload?.contains("compressed with 'lzip'") == true)
        let drpm = Self.fields + [(1124, 6, Self.string("drpm"))]
        #expect(try Self.parse(Self.rpm(Self.structure(drpm))).unreadablePayload?.contains("a 'drpm' archive") == true)
    }

    @Test func aSourceRPMNameSplitsAtItsLastTwoDashes() {
        #expect(RPMHeader.splitSourceRPM("python-cryptography-42.0.5-1.fc41.src.rpm")! == ("python-cryptography", "42.0.5-1.fc41"))
        #expect(RPMHeader.splitSourceRPM("nodash.src.rpm") == nil)
        #expect(RPMHeader.splitSourceRPM("-1-2.src.rpm") == nil)
    }

    @Test func anIndexEntryPastTheStoreIsCorrupt() {
        let offsets: [UInt32] = [0, 0x7FFF_FF00, 0, 0, 0, 0, 0]
        #expect(throws: RPMHeader.Corrupt.self) { try Self.parse(Self.rpm(Self.structure(Self.fields, offsets: offsets))) }
        do { _ = try Self.parse(Self.rpm(Self.structure(Self.fields, offsets: offsets))) } catch {
            #expect(error.reason.contains("index entry 1 (tag 1000) points at offset 2147483392"), "\(error.reason)")
        }
    }

    /// Ways to damage a good rpm, each with words its error must contain.
    enum Damage: String, CaseIterable, Sendable {
        case truncatedInTheIndex, truncatedInTheStore, noLeadMagic, noHeaderMagic

        func apply(_ bytes: [UInt8]) -> [UInt8] {
            switch self {
            case .truncatedInTheIndex: return Array(bytes.prefix(RPMHeaderTests.mainStart + 16 + 40))
            case .truncatedInTheStore: return Array(bytes.prefix(bytes.count - 30))
            case .noLeadMagic: return [0] + bytes.dropFirst()
            case .noHeaderMagic: var copy = bytes; copy[RPMHeaderTests.mainStart] = 0; return copy
            }
        }

        var expected: String {
            switch self {
            case .truncatedInTheIndex, .truncatedInTheStore: "past the end of the file"
            case .noLeadMagic: "no rpm lead magic"
            case .noHeaderMagic: "no header magic"
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func aDamagedFileIsCorrupt(_ damage: Damage) {
        let damaged = damage.apply(Self.rpm(Self.structure(Self.fields)))
        do {
            let header = try Self.parse(damaged)
            Issue.record("\(damage): read as \(header)")
        } catch {
            #expect(error.reason.contains(damage.expected), "\(damage): \(error.reason)")
        }
    }

    @Test func countsPastRPMsLimitsAreCorruptBeforeAnythingIsRead() {
        for (count, size, expected) in [(UInt32(0x10000), UInt32(10), "index entries"), (1, 0x1000_0000, "data store")] {
            do {
                _ = try Self.parse(Self.rpm(Self.structure(Array(Self.fields.prefix(1)), count: count, storeSize: size)))
                Issue.record("\(count) entries, \(size) bytes accepted")
            } catch {
                #expect(error.reason.contains(expected), "\(error.reason)")
            }
        }
    }

    @Test func aStringWithoutItsNULOrAMissingFieldIsCorrupt() {
        var fields = Self.fields
        fields[1] = (1000, 6, [UInt8](repeating: 0x41, count: RPMHeader.stringLimit + 10))
        fields.append((1100, 6, Self.string("tail")))
        do { _ = try Self.parse(Self.rpm(Self.structure(fields))); Issue.record("a NAME of 4 KiB without NUL accepted") } catch {
            #expect(error.reason.contains("no terminating NUL"), "\(error.reason)")
        }
        do { _ = try Self.parse(Self.rpm(Self.structure(Self.fields.filter { $0.tag != 1022 }))); Issue.record("no ARCH accepted") } catch {
            #expect(error.reason.contains("no ARCH"), "\(error.reason)")
        }
    }
}
