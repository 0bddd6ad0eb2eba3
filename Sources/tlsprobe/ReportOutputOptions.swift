import ArgumentParser

/// `--format` and `--output` as `matrix` and `merge` take them: the report on
/// stdout, or in a file with the text table on stdout.
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
