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
    /// What the evidence shows, in words; empty when it shows nothing wrong.
    public var diagnosis: [Finding]
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
        self.diagnosis = Diagnosis.findings(runtimes: runtimes, cells: cells)
        self.summary = Dictionary(grouping: cells, by: \.outcome.rawValue).mapValues(\.count)
    }

    /// Cells whose outcome is a failure (`failed`, `crashed`, `timeout`).
    public var failures: [CellResult] { cells.filter { $0.outcome.isFailure } }

    /// Runtimes that could not be used (bad folder, wrong library loaded, worker would not start).
    public var runtimeErrors: [RuntimeError] {
        runtimes.compactMap { runtime in runtime.error.map { RuntimeError(runtime: runtime.name, message: $0) } }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> Report {
        try JSONDecoder().decode(Report.self, from: data)
    }
}

/// One OpenSSL runtime of the run: what its worker loaded, and what the fixed
/// connector's policy chose there; or why the runtime could not be used.
public struct RuntimeSummary: Sendable, Codable, Equatable {
    /// `system` for the linked library, else the folder as given.
    public var name: String
    /// The resolved folder the libraries were required to come from.
    public var folder: String?
    /// What the worker really loaded; `nil` when no worker got that far.
    public var openSSL: OpenSSLRuntime?
    /// Whether OpenSSL's allocations were accounted (leaks, foreign frees).
    public var memoryAccounting: Bool?
    /// The strategy `proxy-core` uses with TFO off and with TFO on, there.
    public var policyTFOOff: String?
    public var policyTFOOn: String?
    /// Why the runtime is unusable; its cells are then absent, never reported as results.
    public var error: String?

    public init(name: String, folder: String? = nil) {
        self.name = name
        self.folder = folder
    }

    mutating func accept(_ hello: WorkerHello) {
        openSSL = hello.openSSL
        memoryAccounting = hello.memoryAccounting
        policyTFOOff = hello.policyTFOOff
        policyTFOOn = hello.policyTFOOn
    }
}
