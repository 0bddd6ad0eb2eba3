import Foundation
import ProxyCore

/// One run's results: what ran where, and every planned cell's outcome.
public struct Report: Sendable, Codable, Equatable {
    /// Bumped whenever a field changes meaning, so consumers can refuse what they do not understand.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var tool: String
    public var toolVersion: String
    /// ISO 8601, UTC.
    public var generatedAt: String
    /// The command line that produced the report.
    public var command: [String]
    public var timeoutSeconds: Double
    public var environment: EnvironmentFacts
    public var runtimes: [RuntimeSummary]
    public var cells: [CellResult]
    /// Cells per outcome.
    public var summary: [String: Int]

    public init(command: [String], timeoutSeconds: Double, environment: EnvironmentFacts,
                runtimes: [RuntimeSummary], cells: [CellResult], generatedAt: Date = Date()) {
        self.schemaVersion = Report.currentSchemaVersion
        self.tool = "tlsprobe"
        self.toolVersion = ToolVersion.current
        self.generatedAt = ISO8601DateFormatter().string(from: generatedAt)
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.runtimes = runtimes
        self.cells = cells
        self.summary = Dictionary(grouping: cells, by: \.outcome.rawValue).mapValues(\.count)
    }

    /// Cells whose outcome is a failure (`failed`, `crashed`, `timeout`).
    public var failures: [CellResult] { cells.filter { $0.outcome.isFailure } }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> Report {
        try JSONDecoder().decode(Report.self, from: data)
    }
}

/// One OpenSSL runtime of the run, and what the fixed connector's policy chose on it.
public struct RuntimeSummary: Sendable, Codable, Equatable {
    /// `system` for the linked library.
    public var name: String
    public var openSSL: OpenSSLRuntime
    /// The strategy `proxy-core` uses with TFO off and with TFO on, here.
    public var policyTFOOff: String
    public var policyTFOOn: String
}
