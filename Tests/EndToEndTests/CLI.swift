import Foundation
import MatrixModel
import ProxyCore
import TestSupport

/// The built `tlsprobe` (`Repository.binary`: `TLSPROBE_BIN`, else the debug build), started
/// as a user or a CI job would, through TestSupport's one process runner.
enum CLI {
    /// Runs `tlsprobe ARGUMENTS`; with `wrapper` (`setpriv …`, `unshare …`), runs
    /// `WRAPPER… tlsprobe ARGUMENTS` so the binary starts under the wrapper's conditions.
    /// `environment` is added to this process's own, and workers inherit it.
    static func run(_ arguments: [String], through wrapper: [String] = [], environment: [String: String] = [:]) throws -> ProcessRunner.Run {
        guard let executable = wrapper.first else {
            return try ProcessRunner.run(Repository.binary, arguments, environment: environment)
        }
        return try ProcessRunner.run(executable, Array(wrapper.dropFirst()) + [Repository.binary] + arguments, environment: environment)
    }

    /// The OpenSSL the binary itself loads (the `system` runtime), as `tlsprobe env` measures it:
    /// what a test expects of the system runtime comes from here, never from the host's name or version.
    static let systemOpenSSL: Result<OpenSSLRuntime, any Error> = Result {
        let arguments = ["env", "--format", "json"]
        let env = try CLI.run(arguments)
        guard env.status == 0 else { throw CLIFailed(arguments: arguments, status: env.status, stderr: env.stderr) }
        return try JSONDecoder().decode(EnvironmentFacts.self, from: env.stdout).openSSL
    }
}

/// A `tlsprobe` run that ended with a status the caller cannot read a report from.
struct CLIFailed: Error, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    let stderr: String
    var description: String { "tlsprobe \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
}
