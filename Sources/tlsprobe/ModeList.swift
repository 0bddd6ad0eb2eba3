import ArgumentParser
import Foundation
import MatrixModel
import ReportRendering

/// The values of an option that names BIO modes (`--mode`, `--require`), each repeated,
/// comma-separated, or both: `--mode fd,proxy-core --mode legacy-fastopen`.
///
/// A comma is never part of a mode's name (a plug-in's name is letters, digits and `-_.`,
/// `BIOPluginSpec.isValidName`), so splitting on it cannot cut a valid value in two. Options
/// whose value is a path (`--runtime`, `--bio-plugin`, `--audit`) do not split: a path may hold a comma.
enum ModeList {
    /// The built-in modes, as a usage error lists them.
    static var names: String { BIOMode.allCases.map(\.rawValue).joined(separator: ", ") }

    /// Every mode in `arguments`, in the order given; an empty or unknown item is a usage
    /// error that names `option` and the valid modes.
    static func parse(_ arguments: [String], option: String) throws(ValidationError) -> [BIOMode] {
        var modes: [BIOMode] = []
        for item in arguments.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let mode = BIOMode(rawValue: name) else {
                throw ValidationError("\(option): '\(TerminalText.escape(name))' is not a mode; expected one or more of \(names) (comma-separated or repeated), or plugin:NAME for a --bio-plugin")
            }
            modes.append(mode)
        }
        return modes
    }
}
