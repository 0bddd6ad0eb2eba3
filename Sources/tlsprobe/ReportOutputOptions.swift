import ArgumentParser

/// `--format`, `--output` and the terminal options, as `matrix`, `gate`, `merge` and
/// `audit` all take them: the report on stdout, or in files (several with `FORMAT:PATH`)
/// with the text rendering (for `gate`, its conditions) on stdout.
struct ReportOutputOptions: ParsableArguments {
    @Option(help: "Report format (text, json, markdown, junit): on stdout, and for each --output PATH that names none (default: text).")
    var format: ReportFormat?

    @Option(name: .customLong("output"),
            help: ArgumentHelp("Write a report to this file, atomically; repeat for several. FORMAT:PATH names its format (e.g. junit:gate.xml), a plain PATH takes --format; a bare word before the first colon is always a format, so write ./a:b for a file named a:b. stdout then gets the text rendering (gate: its conditions). - (or FORMAT:-) is stdout.",
                               valueName: "[format:]file"), completion: .file())
    var outputs: [String] = []

    @OptionGroup(title: "Terminal") var terminal: TerminalOptions

    func validate() throws {
        _ = try ReportTarget.parse(outputs, defaultFormat: format ?? .text)
    }

    var destination: ReportOutput {
        // `validate()` has accepted these: parsing again cannot fail.
        let targets = (try? ReportTarget.parse(outputs, defaultFormat: format ?? .text)) ?? []
        return ReportOutput(format: format ?? .text, formatGiven: format != nil, targets: targets, style: terminal.style)
    }
}
