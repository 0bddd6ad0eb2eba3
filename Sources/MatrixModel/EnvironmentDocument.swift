/// `tlsprobe env --format json`: the environment facts under the report's
/// `schemaVersion`, so a consumer can refuse a document it does not understand.
package struct EnvironmentDocument: Sendable, Encodable {
    package var schemaVersion = Report.currentSchemaVersion
    package var facts: EnvironmentFacts

    package init(_ facts: EnvironmentFacts) {
        self.facts = facts
    }

    private enum CodingKeys: String, CodingKey {
        case schemaVersion
    }

    /// `schemaVersion` beside the facts' own fields, one flat object.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try facts.encode(to: encoder)
    }
}
