/// One part of an audit's inputs, `--shard K/N`: the packages and files whose
/// key (`AuditInputSet`) hashes to `K - 1` modulo `N`. Every machine that cuts the
/// same inputs computes the same parts, whatever the order of the arguments or of a
/// folder's listing, so N jobs each given `K/N` audit every input exactly once.
///
/// The hash is FNV-1a 64 of the key's UTF-8 bytes: fixed by its definition, never
/// seeded per process as Swift's `hashValue` is.
package struct AuditShard: Sendable, Equatable, Codable {
    /// 1-based: `K` of `K/N`.
    package var index: Int
    /// `N`: how many parts the inputs are cut into.
    package var count: Int

    /// More parts than this is a typo, not a cluster.
    package static let maximumCount = 10_000

    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The whole input, in the order a merge of every shard writes it: what a merge reproduces.
    package static let whole = AuditShard(index: 1, count: 1)

    /// `K/N` with `1 ≤ K ≤ N ≤ 10000`; the message says what was expected.
    package static func parse(_ text: String) -> Result<AuditShard, ShardSyntaxError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            return .failure(ShardSyntaxError("--shard takes K/N (e.g. 2/8), not '\(text)'"))
        }
        guard count >= 1, count <= maximumCount else {
            return .failure(ShardSyntaxError("--shard \(text): N must be between 1 and \(maximumCount)"))
        }
        guard index >= 1, index <= count else {
            return .failure(ShardSyntaxError("--shard \(text): K must be between 1 and N (\(count))"))
        }
        return .success(AuditShard(index: index, count: count))
    }

    /// Whether the input named `key` falls in this part.
    package func holds(key: String) -> Bool {
        Self.fnv1a64(key) % UInt64(count) == UInt64(index - 1)
    }

    /// FNV-1a, 64 bits, of `text`'s UTF-8 bytes.
    package static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// `2/8`.
    package var description: String { "\(index)/\(count)" }
}
