import MatrixModel

/// `tlsprobe run`'s report: the program, each runtime's evidence and verdict.
package struct RunReport: Sendable, Codable, Equatable {
    package static let currentSchemaVersion = 1
    /// Always "run": tells this document from a matrix or audit report.
    package var kind: String
    package var schemaVersion: Int
    package var tool: String
    package var toolVersion: String
    package var generatedAt: String
    /// tlsprobe's own command line.
    package var command: [String]
    package var timeoutSeconds: Double
    package var environment: EnvironmentFacts
    package var program: ProgramFacts
    package var origin: OriginFacts?
    /// `--request URL`, when given.
    package var request: String?
    package var results: [ProgramRunResult]
    /// One line: the worst verdict first.
    package var verdict: String
    package var summary: [RunOutcome: Int]

    package init(generatedAt: String, toolVersion: String, command: [String], timeoutSeconds: Double, environment: EnvironmentFacts,
                 program: ProgramFacts, origin: OriginFacts?, request: String?, results: [ProgramRunResult]) {
        kind = "run"
        schemaVersion = Self.currentSchemaVersion
        tool = "tlsprobe"
        self.toolVersion = toolVersion
        self.generatedAt = generatedAt
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.program = program
        self.origin = origin
        self.request = request
        self.results = results
        summary = Dictionary(grouping: results, by: \.outcome).mapValues(\.count)
        verdict = Self.verdict(of: results)
    }

    /// Failures first, then what ran well, then what could not run.
    package static func verdict(of results: [ProgramRunResult]) -> String {
        let failures = results.filter { $0.outcome.isFailure }
        if !failures.isEmpty {
            return failures.map { "\($0.name): \($0.verdict)" }.joined(separator: "; ")
        }
        let ok = results.filter { $0.outcome == .ok }
        guard !ok.isEmpty else { return "nothing ran: " + results.map { "\($0.name): \($0.verdict)" }.joined(separator: "; ") }
        return ok.map { "\($0.name): \($0.verdict)" }.joined(separator: "; ")
    }

    /// Every runtime that ran was `ok` and at least one ran.
    package var passed: Bool { !results.contains { $0.outcome.isFailure } && results.contains { $0.outcome == .ok } }
    /// No runtime ran the program at all (every one unsupported or skipped).
    package var nothingRan: Bool { results.allSatisfy { $0.outcome == .unsupported || $0.outcome == .skipped } }
}
