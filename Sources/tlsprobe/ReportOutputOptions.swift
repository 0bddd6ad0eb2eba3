import ArgumentParser

/// `--format` and `--output` as `matrix`, `merge` and `audit` take them: the report on
/// stdout, or in a file with the text rendering on stdout. `gate` has options of its own:
/// it writes a report only to an `--output` file, and prints its conditions.
struct ReportOutputOptions: ParsableArguments {
    @Option(help: "Report format: on stdout, or in the --output file.")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Write the report in --format to this file, atomically; stdout then gets the text rendering. - is stdout.",
                               valueName: "file"), completion: .file())
    var output: String?

    func validate() throws {
        try ReportOutput.validate(output: output)
    }

    @OptionGroup(title: "Terminal") var terminal: TerminalOptions

    var destination: ReportOutput {
        ReportOutput(format: format, output: output, style: terminal.style)
    }
}
