import ArgumentParser
import CLinux
import Foundation

/// How the text rendering looks on this terminal: `matrix`, `gate`, `merge` and `audit`
/// share it (through `ReportOutputOptions`).
struct TerminalOptions: ParsableArguments {
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    @Option(help: "Colour outcomes, the verdict and gate's PASS/FAIL: auto (a terminal, without NO_COLOR and not TERM=dumb), always or never.")
    var color: ColorChoice = .auto

    @Flag(help: "Every column of the per-cell tables (implies --cells), lines unwrapped (default: fit 80 columns or the terminal's width).")
    var wide = false

    @Flag(help: "Add each cell's evidence: the full diagnosis, every failing cell with its reason, one table per runtime (the default is the short report).")
    var cells = false

    @Flag(help: "Print only the verdict line (gate: also the conditions that did not hold, never the PASS lines); --output files still get the whole report.")
    var quiet = false

    var style: TextStyle {
        TextStyle(color: wantsColor, wide: wide, cells: cells, width: Self.width, quiet: quiet)
    }

    /// https://no-color.org; `TERM=dumb` terminals print escape codes literally.
    private var wantsColor: Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            let environment = ProcessInfo.processInfo.environment
            return isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        }
    }

    /// The terminal's width when stdout is one (at most 200: wider is no easier to read), else 80.
    private static var width: Int {
        let columns = Int(tlsprobe_terminal_columns(STDOUT_FILENO))
        return columns > 0 ? min(columns, 200) : 80
    }
}

/// What `TerminalOptions` decided, for the renderers.
struct TextStyle {
    var color = false
    var wide = false
    var cells = false
    var width = 80
    var quiet = false
}
