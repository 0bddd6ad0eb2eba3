/// The part of SARIF 2.1.0 (OASIS, errata 01) that `tlsprobe audit --format sarif`
/// writes, as Codable values: JSONEncoder escapes every string a file name or a
/// package's control data brings, which concatenated text would not.
///
/// Property names are the standard's own; optional members left `nil` are omitted,
/// so the document holds no `null` the schema does not allow. The nested types are
/// the schema's objects of the same name, kept together because none is used alone.
struct SARIFLog: Encodable, Sendable {
    var schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    var version = "2.1.0"
    var runs: [Run]

    private enum CodingKeys: String, CodingKey {
        case schema = "$schema", version, runs
    }

    struct Run: Encodable, Sendable {
        var tool: Tool
        var invocations: [Invocation]
        var results: [Result]
        var columnKind = "unicodeCodePoints"
        var properties: [String: String]?
    }

    struct Tool: Encodable, Sendable {
        var driver: Driver
    }

    struct Driver: Encodable, Sendable {
        var name: String
        var semanticVersion: String
        var version: String
        var rules: [ReportingDescriptor]
        /// The descriptors `toolExecutionNotifications` point at (an input that could not be read).
        var notifications: [ReportingDescriptor]
    }

    struct ReportingDescriptor: Encodable, Sendable {
        var id: String
        var name: String?
        var shortDescription: Message?
        var fullDescription: Message?
        var help: Message?
        var defaultConfiguration: Configuration?
    }

    struct Configuration: Encodable, Sendable {
        var level: Level
    }

    /// `result.level` and `reportingConfiguration.level`.
    enum Level: String, Encodable, Sendable {
        case error, warning, note
    }

    struct Message: Encodable, Sendable {
        var text: String
    }

    struct Invocation: Encodable, Sendable {
        var executionSuccessful: Bool
        var commandLine: String?
        var arguments: [String]?
        var toolExecutionNotifications: [Notification]
    }

    struct Notification: Encodable, Sendable {
        var level: Level
        var message: Message
        var descriptor: DescriptorReference?
        var locations: [Location]?
    }

    struct DescriptorReference: Encodable, Sendable {
        var id: String
        var index: Int
    }

    struct Result: Encodable, Sendable {
        var ruleId: String
        var ruleIndex: Int
        var level: Level
        var message: Message
        var locations: [Location]
        var relatedLocations: [Location]?
        var partialFingerprints: [String: String]
        var properties: [String: String]?
    }

    struct Location: Encodable, Sendable {
        var id: Int?
        var physicalLocation: PhysicalLocation
        var message: Message?
    }

    struct PhysicalLocation: Encodable, Sendable {
        var artifactLocation: ArtifactLocation
    }

    struct ArtifactLocation: Encodable, Sendable {
        var uri: String
    }
}
