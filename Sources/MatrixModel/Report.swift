import Foundation
import ProxyCore
import ToolCore

/// One run's results: what ran where, and every planned cell's outcome.
package struct Report: Sendable, Codable, Equatable {
    /// Bumped whenever a field changes meaning, so consumers can refuse what they do not understand.
    package static let currentSchemaVersion = 2

    package var schemaVersion: Int
    package var tool: String
    package var toolVersion: String
    /// ISO 8601, UTC.
    package var generatedAt: String
    /// The command line that produced the report.
    package var command: [String]
    package var timeoutSeconds: Double
    package var environment: EnvironmentFacts
    package var runtimes: [RuntimeSummary]
    package var cells: [CellResult]
    /// The `--bio-plugin` shared objects whose modes the cells name; `nil` when none was given.
    package var plugins: [BIOPluginSpec]?
    /// What the evidence shows, in words; empty when it shows nothing wrong.
    package var diagnosis: [Finding]
    /// The run's conclusion in one line of at most 110 characters (`Verdict.title`): a
    /// report's title, what `--quiet` prints.
    package var verdict: String
    /// One line per design the run probed (`Verdict.lines`); absent from reports written
    /// before it existed.
    package var verdictLines: [String]?
    /// Only in a `tlsprobe gate` run: its conditions and verdicts.
    package var gate: GateOutcome?
    /// Cells per outcome; in the JSON an object keyed by the outcome's name (`Outcome: CodingKeyRepresentable`).
    package var summary: [Outcome: Int]

    /// A report with its conclusions already drawn: MatrixAnalysis computes the diagnosis and
    /// the verdict (`Report(command:timeoutSeconds:environment:runtimes:cells:)` there).
    package init(command: [String], timeoutSeconds: Double, environment: EnvironmentFacts,
                 runtimes: [RuntimeSummary], cells: [CellResult], diagnosis: [Finding], verdict: String,
                 verdictLines: [String], generatedAt: Date = Date()) {
        self.schemaVersion = Report.currentSchemaVersion
        self.tool = "tlsprobe"
        self.toolVersion = ToolVersion.current
        self.generatedAt = ISO8601DateFormatter().string(from: generatedAt)
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.runtimes = runtimes
        self.cells = cells
        self.diagnosis = diagnosis
        self.verdict = verdict
        self.verdictLines = verdictLines
        self.summary = Dictionary(grouping: cells, by: \.outcome).mapValues(\.count)
    }

    /// Cells whose outcome is a failure (`failed`, `crashed`, `timeout`).
    package var failures: [CellResult] { cells.filter { $0.outcome.isFailure } }

    package func jsonData() throws -> Data {
        try JSONCoding.encoder().encode(self)
    }

    package static func decode(_ data: Data) throws -> Report {
        try JSONDecoder().decode(Report.self, from: data)
    }
}

/// One OpenSSL runtime of the run: what its worker loaded, and what the fixed
/// connector's policy chose there; or why the runtime could not be used.
package struct RuntimeSummary: Sendable, Codable, Equatable {
    /// `system` for the linked library, else the folder as given.
    package var name: String
    /// The resolved folder the libraries were required to come from.
    package var folder: String?
    /// What the worker really loaded; `nil` when no worker got that far.
    package var openSSL: OpenSSLRuntime?
    /// The soname of the libssl it loaded, its ABI: `libssl.so.1.1`, `libssl.so.3`, `libssl.so.4`.
    package var libssl: String?
    /// Whether OpenSSL's allocations were accounted (leaks, foreign frees).
    package var memoryAccounting: Bool?
    /// The strategy `proxy-core` uses with TFO off and with TFO on, there; `nil`
    /// when no worker said (then absent from the JSON).
    package var policyTFOOff: OriginConnector.Strategy?
    package var policyTFOOn: OriginConnector.Strategy?
    /// Why the runtime is unusable; its cells are then absent, never reported as results.
    package var error: String?

    package init(name: String, folder: String? = nil) {
        self.name = name
        self.folder = folder
    }

    private enum CodingKeys: String, CodingKey {
        case name, folder, openSSL, libssl, memoryAccounting, policyTFOOff, policyTFOOn, error
    }

    /// As the compiler would read it, but for a policy of `""`, which the report schema
    /// allows for "the worker could not say": read as `nil`, like an absent one.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        folder = try container.decodeIfPresent(String.self, forKey: .folder)
        openSSL = try container.decodeIfPresent(OpenSSLRuntime.self, forKey: .openSSL)
        libssl = try container.decodeIfPresent(String.self, forKey: .libssl)
        memoryAccounting = try container.decodeIfPresent(Bool.self, forKey: .memoryAccounting)
        policyTFOOff = try container.decodePolicy(forKey: .policyTFOOff)
        policyTFOOn = try container.decodePolicy(forKey: .policyTFOOn)
        error = try container.decodeIfPresent(String.self, forKey: .error)
    }
}
