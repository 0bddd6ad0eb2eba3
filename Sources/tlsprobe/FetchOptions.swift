import ArgumentParser
import DebianArchive
import Foundation
import Matrix
import ReportRendering

/// Where and how named runtimes, and the packages `audit --suite` names, are fetched:
/// shared by `matrix`, `gate`, `runtime fetch` and `audit`.
struct FetchOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The Debian mirror named runtimes (and audit --suite packages) are fetched from (default: TLSPROBE_DEBIAN_MIRROR, else the Debian archive this host's apt sources name).",
                               valueName: "url"))
    var mirror: String?

    // .unconditional: a negative number is a value to refuse with a message, not an unknown flag.
    @Option(name: .customLong("max-index-age"), parsing: .unconditional,
            help: ArgumentHelp("Accept a mirror's signed index up to this many days after it was signed, even past its Valid-Until (default: TLSPROBE_MAX_INDEX_AGE, else none: apt refuses an expired index, which could be a replay). For a mirror you trust that lags behind.",
                               valueName: "days"))
    var maxIndexAge: Int?

    /// Up to ten years: past that an index proves nothing about the archive's present.
    static let indexAges = 1...3650

    func validate() throws {
        if let mirror, case .failure(let problem) = DebianMirror.choose(given: mirror, environment: [:]) {
            throw ValidationError(TerminalText.escape(problem.description))
        }
        if let maxIndexAge, !Self.indexAges.contains(maxIndexAge) {
            throw ValidationError("--max-index-age must be a number of days from 1 to 3650; got \(maxIndexAge)")
        }
        if maxIndexAge == nil, let variable = ProcessInfo.processInfo.environment["TLSPROBE_MAX_INDEX_AGE"], !variable.isEmpty,
           Int(variable).map(Self.indexAges.contains) != true {
            throw ValidationError("TLSPROBE_MAX_INDEX_AGE must be a number of days from 1 to 3650; got '\(TerminalText.escape(variable))'")
        }
    }

    /// The index grace for an audit by query: the option, else `TLSPROBE_MAX_INDEX_AGE`, as for runtimes.
    func maxIndexAgeDays(environment: [String: String]) -> Int? {
        maxIndexAge ?? environment["TLSPROBE_MAX_INDEX_AGE"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// `provisioner` with these choices; the environment's apply where no option is given.
    func apply(to provisioner: inout RuntimeProvisioner) {
        if let mirror { provisioner.mirror = mirror }
        if let maxIndexAge { provisioner.maxIndexAgeDays = maxIndexAge }
    }
}
