import BinaryAudit
import Testing

/// The shard arithmetic: parsing `K/N`, FNV-1a 64, and a part per key.
@Suite struct AuditShardUnitTests {
    @Test func fnv1a64MatchesItsPublishedVectors() {
        // The offset basis, and "a" and "foobar" from the FNV reference test suite.
        #expect(AuditShard.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(AuditShard.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(AuditShard.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func everyKeyIsInExactlyOnePart() {
        let keys = (0..<500).map { "package:lib\($0)" }
        for count in [1, 2, 3, 7, 10_000] {
            for key in keys {
                let parts = (1...min(count, 50)).filter { AuditShard(index: $0, count: count).holds(key: key) }
                let expected = Int(AuditShard.fnv1a64(key) % UInt64(count)) + 1
                #expect(parts == (expected <= 50 ? [expected] : []), "\(key) in \(parts) of \(count)")
            }
        }
        // Three parts of 500 keys: none is empty, none holds nearly all.
        let sizes = (1...3).map { index in keys.filter { AuditShard(index: index, count: 3).holds(key: $0) }.count }
        #expect(sizes.allSatisfy { $0 > 100 }, "\(sizes)")
    }

    @Test func parseTakesOneToNAndNothingElse() throws {
        #expect(try AuditShard.parse("2/8").get() == AuditShard(index: 2, count: 8))
        #expect(try AuditShard.parse("10000/10000").get() == AuditShard(index: 10_000, count: 10_000))
        for bad in ["0/3", "4/3", "3", "1/0", "1/10001", "a/b", "-1/3", "+1/3", "1/3/5", "/3", "1/", " 1/3", "١/٣"] {
            guard case .failure(let error) = AuditShard.parse(bad) else {
                Issue.record("\(bad) accepted")
                continue
            }
            #expect(error.description.contains("--shard"), "\(error)")
        }
    }
}
