import ArgumentParser
import ReportRendering

/// One `--output`: a report format and where it goes (a file, or `-` for stdout).
///
/// `--output FORMAT:PATH` names its own format; a plain `PATH` takes `--format`. The rule
/// for a path that holds a colon: the text before the first colon is a format prefix when
/// it is a bare word (letters, digits, `-`), and must then be a known format; with a `/` or
/// a `.` before the colon it is part of the path. So `json:gate.json` is JSON in `gate.json`,
/// `./a:b` and `out/a:b` are files of those names, and `xml:gate.xml` is refused with the
/// valid formats (write `./xml:gate.xml` for a file of that name).
struct ReportTarget: Equatable {
    var format: ReportFormat
    /// A file, or `-` for stdout.
    var path: String

    var isStdout: Bool { path == "-" }

    init(format: ReportFormat, path: String) {
        self.format = format
        self.path = path
    }

    /// `given` as `--output` received it; `defaultFormat` is `--format`'s.
    init(_ given: String, defaultFormat: ReportFormat) throws(ValidationError) {
        guard let colon = given.firstIndex(of: ":") else {
            self.init(format: defaultFormat, path: given)
            return
        }
        let prefix = given[..<colon]
        let bareWord = !prefix.isEmpty && prefix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        guard bareWord else {
            self.init(format: defaultFormat, path: given)
            return
        }
        guard let format = ReportFormat(rawValue: prefix.lowercased()) else {
            let shown = TerminalText.escape(given)
            throw ValidationError("--output \(shown): unknown format '\(TerminalText.escape(String(prefix)))'; expected FORMAT:PATH with FORMAT one of \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")) (for a file whose name holds a colon, write ./\(shown))")
        }
        self.init(format: format, path: String(given[given.index(after: colon)...]))
    }

    /// Every `--output`, parsed and checked before any probe runs: each file one `OutputFile`
    /// accepts, no file twice, at most one report on stdout.
    static func parse(_ outputs: [String], defaultFormat: ReportFormat) throws(ValidationError) -> [ReportTarget] {
        var targets: [ReportTarget] = []
        for given in outputs {
            let target = try ReportTarget(given, defaultFormat: defaultFormat)
            if target.isStdout {
                if let earlier = targets.first(where: \.isStdout) {
                    throw ValidationError("--output: two reports on stdout (\(earlier.format.rawValue) and \(target.format.rawValue)); write one of them to a file")
                }
            } else {
                do {
                    _ = try OutputFile(target.path)
                } catch {
                    throw ValidationError(TerminalText.escape(error.description))
                }
                if targets.contains(where: { $0.path == target.path }) {
                    throw ValidationError("--output \(TerminalText.escape(target.path)) is given twice; each report needs its own file")
                }
            }
            targets.append(target)
        }
        return targets
    }
}
