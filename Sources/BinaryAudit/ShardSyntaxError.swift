/// `--shard` given in a form `AuditShard.parse` does not take.
package struct ShardSyntaxError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
