import Foundation

/// The BIO plug-ins the end-to-end tests load: the four examples of
/// `examples/bio-plugins/`, built by their own script (as scripts/test does, into
/// `.build-plugins/`), and the misbehaving ones of `Tests/Fixtures/plugins/`,
/// built here with cc against the system OpenSSL.
package enum PluginFixtures {
    package struct Built: Sendable {
        /// `legacy-fastopen` → its `.so`, for the four examples.
        package let examples: [String: String]
        /// `abi-mismatch`, `returns-null`, `crashes`, `no-new-bio` and the `containmentNames` → `.so`;
        /// `program` → an executable.
        package let fixtures: [String: String]
    }

    package static let exampleNames = ["legacy-fastopen", "exdata-fastopen", "filter-fastopen", "socket-copy"]
    /// Plug-ins that misbehave as processes (constructors that crash, exit, hang, print or
    /// fork; a name that is a bad pointer; output on stdout and stderr; forks in `new_bio`).
    package static let containmentNames = ["constructor-crashes", "constructor-exits", "constructor-hangs", "constructor-prints",
                                           "bad-name", "prints-in-new-bio", "forks-in-new-bio", "forks-in-constructor", "forks-a-late-writer",
                                           "floods-stderr"]
    package static let built: Result<Built, any Error> = Result { try build() }

    private static func build() throws -> Built {
        let output = Repository.path(".build-plugins")
        let script = try ProcessRunner.run(Repository.path("examples/bio-plugins/build"), [output])
        guard script.status == 0 else { throw AuditFixtures.BuildFailed(command: "examples/bio-plugins/build", stderr: script.stderr) }
        let examples = Dictionary(uniqueKeysWithValues: exampleNames.map { ($0, "\(output)/\($0).so") })

        let folder = try ProcessScratch.make("plugin-fixtures").path
        let flags = try ProcessRunner.run("/usr/bin/pkg-config", ["--cflags", "--libs", "openssl"]).output
            .split(whereSeparator: \.isWhitespace).map(String.init)
        var fixtures: [String: String] = [:]
        for name in ["abi-mismatch", "returns-null", "crashes", "no-new-bio", "program"] + containmentNames {
            let source = Repository.path("Tests/Fixtures/plugins/\(name).c")
            let target = name == "program" ? "\(folder)/\(name)" : "\(folder)/\(name).so"
            let arguments = (name == "program" ? [] : ["-shared", "-fPIC"]) + ["-O1", "-Wall", "-Werror", "-o", target, source] + flags
            let run = try ProcessRunner.run("/usr/bin/cc", arguments)
            guard run.status == 0 else { throw AuditFixtures.BuildFailed(command: "cc \(arguments.joined(separator: " "))", stderr: run.stderr) }
            fixtures[name] = target
        }
        return Built(examples: examples, fixtures: fixtures)
    }
}
