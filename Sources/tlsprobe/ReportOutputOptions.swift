import ArgumentParser

/// `--format`, `--output` and the terminal options, as `matrix`, `gate`, `merge`,
/// `audit` and `run` all take them: the report on stdout, or in files (several with `FORMAT:PATH`)
/// with the text rendering (for `gate`, its conditions) on stdout.
struct ReportOutputOptions: ParsableArguments {
    @Option(help: "Report format (text, json, markdown, junit, or sarif for audit: SARIF 2.1.0 for code scanning): on stdout, and for each --output PATH that names none (default: text).")
    var format: ReportFormat?

    @Option(name: .customLong("output"),
            help: ArgumentHelp("Write a report to this file, atomically; repeat for several. FORMAT:PATH names its format (e.g. junit:gate.xml), a plain PATH takes --format; a bare word before the first colon is always a format, so write ./a:b for a file named a:b. stdout then gets the text rendering (gate: its conditions). - (or FORMAT:-) is stdout.",
                               valueName: "[format:]file"), completion: .file())
    var outputs: [String] = []

    @OptionGroup(title: "Terminal") var terminal: TerminalOptions

    func validate() throws {
        _ = try ReportTarget.parse(outputs, defaultFormat: format ?? .text)
    }

    /// `matrix`, `gate` and a `merge` of matrix reports: a format only an audit has (`sarif`) is a
    /// usage error naming the command that takes it, before any probe runs (for `merge`, once its
    /// reports are read and known to be matrix reports: a merge of audit shards writes SARIF).
    func validateMatrixReport(command: String) throws(ValidationError) {
        try validate(command: command, renders: \.rendersMatrixReports)
    }

    /// `run`: the same refusal of `sarif`, before the program is started.
    func validateRunReport(command: String) throws(ValidationError) {
        try validate(command: command, renders: \.rendersRunReports)
    }

    private func validate(command: String, renders: (ReportFormat) -> Bool) throws(ValidationError) {
        let targets = try ReportTarget.parse(outputs, defaultFormat: format ?? .text)
        let asked = (format.map { [$0] } ?? []) + targets.map(\.format)
        guard let refused = asked.first(where: { !renders($0) }) else { return }
        let formats = ReportFormat.allCases.filter(renders).map(\.rawValue).joined(separator: ", ")
        throw ValidationError("\(refused.rawValue) is a format of tlsprobe audit only (its findings are files); \(command) writes \(formats)")
    }

    var destination: ReportOutput {
        // `validate()` has accepted these: parsing again cannot fail.
        let targets = (try? ReportTarget.parse(outputs, defaultFormat: format ?? .text)) ?? []
        return ReportOutput(format: format ?? .text, formatGiven: format != nil, targets: targets, style: terminal.style)
    }
}
