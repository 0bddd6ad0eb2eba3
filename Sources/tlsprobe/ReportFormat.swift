import ArgumentParser

/// How `matrix`, `gate`, `merge`, `audit` and `run` write a report: for the terminal, for
/// programs (`docs/report-schema.json`, `docs/audit-schema.json` for an audit), for a
/// bug report, for CI dashboards (`docs/junit.xsd`), for code scanning (SARIF 2.1.0,
/// `audit` only).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, junit, sarif

    /// Whether a probe matrix's report (`matrix`, `gate`, `merge`) can be written this way.
    /// SARIF lists findings located in files: an audit has them, a matrix of loopback
    /// connections has none, so those commands refuse it before anything runs.
    var rendersMatrixReports: Bool {
        switch self {
        case .text, .json, .markdown, .junit: true
        case .sarif: false
        }
    }

    /// Whether `tlsprobe run`'s report can be written this way. A run watches one program's
    /// connections: it has no findings located in files either, so SARIF is refused.
    var rendersRunReports: Bool {
        switch self {
        case .text, .json, .markdown, .junit: true
        case .sarif: false
        }
    }
}
