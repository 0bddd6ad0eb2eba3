/// One report that went into a merged report: the host it ran on and the facts of that run.
///
/// A merged report keeps the host as another axis by qualifying runtime names
/// (`ci-7:system`, `ci-7:trixie`); this records what each qualifier
/// stands for, since a report has room for one `environment` only.
package struct MergedHost: Sendable, Codable, Equatable {
    /// The qualifier of this host's runtimes: its hostname, with `#2`, `#3`, … for the
    /// second and later reports from hosts of the same name (`#` is never part of a hostname).
    package var name: String
    /// The file the report was read from, as given to `tlsprobe merge`; `nil` for the report itself.
    package var source: String?
    package var toolVersion: String
    /// ISO 8601, UTC: when that run made its report.
    package var generatedAt: String
    /// The command line of that run.
    package var command: [String]
    package var timeoutSeconds: Double
    package var environment: EnvironmentFacts

    package init(name: String, source: String?, report: Report) {
        self.name = name
        self.source = source
        self.toolVersion = report.toolVersion
        self.generatedAt = report.generatedAt
        self.command = report.command
        self.timeoutSeconds = report.timeoutSeconds
        self.environment = report.environment
    }

    /// The one host of an unmerged report, so renderers can treat every report alike.
    package static func only(_ report: Report) -> MergedHost {
        MergedHost(name: report.environment.hostname, source: nil, report: report)
    }

    /// The host a runtime of `report` ran on: by its `HOST:` prefix in a merged
    /// report, the report's own host otherwise.
    package static func host(of runtime: String, among hosts: [MergedHost], in report: Report) -> MergedHost {
        hosts.first { runtime.hasPrefix($0.name + ":") } ?? .only(report)
    }
}
