import Foundation
import Matrix
import MatrixModel
import TestSupport

/// Debian's OpenSSL 3.5 (trixie) and 3.6 (sid), fetched by `tlsprobe runtime fetch`
/// into the runtime cache (idempotent), and one matrix run of them beside the system's own OpenSSL that
/// several suites read. A runtime is told apart by the version its worker measured
/// (`RuntimeSummary.openSSL`), never by its folder's name.
enum Runtimes {
    /// Fetches `suite` and returns its folder; a fetch failure fails the calling test.
    static func fetch(_ suite: String) throws -> String {
        let run = try CLI.run(["runtime", "fetch", suite])
        let path = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard run.status == 0, !path.isEmpty else { throw FetchFailed(suite: suite, status: run.status, stderr: run.stderr) }
        return path
    }

    /// The cache folder of the binary under test in `XDG_CACHE_HOME=xdg`: `xdg/tlsprobe/VERSION-BUILDID`.
    static func cacheFolder(_ xdg: String) -> String {
        RuntimeCache(environment: ["XDG_CACHE_HOME": xdg], build: BuildIdentity(executable: Repository.binary)).root
    }

    struct FetchFailed: Error, CustomStringConvertible {
        let suite: String
        let status: Int32
        let stderr: String
        var description: String { "tlsprobe runtime fetch \(suite) failed with status \(status): \(stderr)" }
    }

    /// The shared run: how `tlsprobe` ended, and its report.
    struct MatrixRun: Sendable {
        let status: Int32
        let stderr: String
        let report: Report
    }

    /// One three-runtime run (`system`, trixie, sid; every mode, TFO, family and phase) for all suites.
    static let matrix: Result<MatrixRun, any Error> = Result {
        let arguments = ["matrix", "--runtime", "system", "--runtime", try fetch("trixie"), "--runtime", try fetch("sid"),
                         "--format", "json"]
        let run = try CLI.run(arguments)
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(arguments: arguments, status: run.status, stderr: run.stderr) }
        return MatrixRun(status: run.status, stderr: run.stderr, report: try Report.decode(run.stdout))
    }

    static var report: Result<Report, any Error> { matrix.map(\.report) }
}

extension Report {
    /// The runtimes whose worker measured OpenSSL `major.minor` as the library it loaded.
    func runtimes(openSSL major: UInt, _ minor: UInt) -> [RuntimeSummary] {
        runtimes.filter { $0.openSSL?.runtimeMajor == major && $0.openSSL?.runtimeMinor == minor }
    }

    /// The cells `runtime` ran.
    func cells(of runtime: RuntimeSummary) -> [CellResult] {
        cells.filter { $0.runtime == runtime.name }
    }
}
