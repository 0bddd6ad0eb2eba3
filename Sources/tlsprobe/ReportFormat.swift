import ArgumentParser

/// How `matrix`, `gate`, `merge` and `audit` write a report: for the terminal, for
/// programs (`docs/report-schema.json`, `docs/audit-schema.json` for an audit), for a
/// bug report, for CI dashboards (`docs/junit.xsd`).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, junit
}
