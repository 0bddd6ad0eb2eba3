import ArgumentParser

/// How `matrix`, `gate` and `merge` write a report: for the terminal, for
/// programs (`docs/report-schema.json`), for a bug report, for CI dashboards
/// (`docs/junit.xsd`).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, junit
}
