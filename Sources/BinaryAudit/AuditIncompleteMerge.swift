/// A merge of audit shards that lacks some: still merged, so that what was audited is
/// not lost, but its verdict and exit status say the inputs of the missing shards were
/// never read (`AuditOutcome.incomplete`).
package struct AuditIncompleteMerge: Sendable, Equatable, Codable {
    /// `N` of the shards' `K/N`.
    package var count: Int
    /// The shards merged, ascending.
    package var merged: [Int]
    /// The shards not given, ascending.
    package var missing: [Int]

    package init(count: Int, merged: [Int], missing: [Int]) {
        self.count = count
        self.merged = merged
        self.missing = missing
    }

    /// `shard 4 of 4 missing, its inputs not audited`.
    package var description: String {
        let list = missing.map(String.init).joined(separator: ", ")
        return missing.count == 1 ? "shard \(list) of \(count) missing, its inputs not audited"
            : "shards \(list) of \(count) missing, their inputs not audited"
    }
}
