import Foundation
import MatrixModel

extension BIOPluginDescriber {
    /// One `--bio-plugin` argument, as the user wrote it: a file, a folder of builds, or
    /// `NAME=a.so,b.so`.
    package enum Argument: Equatable, Sendable {
        case file(String)
        case folder(String)
        case builds(name: String, paths: [String])

        /// An existing file or folder is taken as a path first (a path may hold `=` and `,`);
        /// otherwise `NAME=` with a valid name and a comma-separated list of builds.
        package init(_ given: String) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: given, isDirectory: &isDirectory) {
                self = isDirectory.boolValue ? .folder(given) : .file(given)
            } else if let equals = given.firstIndex(of: "="), BIOPluginSpec.isValidName(String(given[..<equals])) {
                self = .builds(name: String(given[..<equals]),
                               paths: given[given.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init))
            } else {
                self = .file(given)
            }
        }
    }
}
