import Foundation

/// The `tlsprobe audit` fixtures: the C sources in `Tests/Fixtures/audit`, one per
/// class, built once per test process with `/usr/bin/cc` against the system
/// OpenSSL (`pkg-config --cflags --libs openssl`), the embedded one linked
/// statically against `libcrypto.a`; plus the cases a compiler cannot make from C
/// here: a 32-bit i386 library (assembled with `as --32`, linked with `ld -m
/// elf_i386`) and the static program stripped of its symbol table.
package enum AuditFixtures {
    /// The fixture sources, each named after the class it must get.
    package static let classes = ["affected-pattern", "inherits-socket-bio", "own-bio", "no-custom-bio", "not-openssl", "embedded-openssl"]

    package struct Built: Sendable {
        /// The folder holding exactly one binary per class, named after it.
        package let folder: String
        /// The static program without its symbol table: only its version string shows OpenSSL.
        package let strippedEmbedded: String
        /// A 32-bit i386 shared object importing the affected pattern's three symbols.
        package let i386Affected: String

        package func path(_ fixture: String) -> String { folder + "/" + fixture }
    }

    /// Built on first use; a failure (no compiler, no libssl-dev) is thrown to every test that asks.
    package static let built: Result<Built, any Error> = Result { try build() }

    package static func get() throws -> Built {
        try built.get()
    }

    private static func build() throws -> Built {
        let root = try ProcessScratch.make("audit-fixtures")
        let folder = root.appendingPathComponent("classes").path
        let extra = root.appendingPathComponent("extra").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: extra, withIntermediateDirectories: true)
        let flags = try run("/usr/bin/pkg-config", ["--cflags", "--libs", "openssl"]).split(whereSeparator: \.isWhitespace).map(String.init)
        let sources = Repository.path("Tests/Fixtures/audit")
        for fixture in classes where fixture != "embedded-openssl" {
            _ = try run("/usr/bin/cc", ["-O1", "-Wall", "-Werror", "-o", "\(folder)/\(fixture)", "\(sources)/\(fixture).c"] + flags)
        }
        // Static: glibc warns that getaddrinfo needs its shared libraries at run time; the fixture never runs.
        let staticFlags = try run("/usr/bin/pkg-config", ["--cflags", "--static", "--libs", "libcrypto"])
            .split(whereSeparator: \.isWhitespace).map(String.init)
        _ = try run("/usr/bin/cc", ["-O1", "-static", "-o", "\(folder)/embedded-openssl", "\(sources)/embedded-openssl.c"] + staticFlags)
        let stripped = "\(extra)/embedded-openssl-stripped"
        _ = try run("/usr/bin/strip", ["-o", stripped, "\(folder)/embedded-openssl"])

        let assembly = "\(extra)/legacy-i386.s"
        try """
                .text
                .globl legacy_method
                .type legacy_method, @function
            legacy_method:
                call BIO_s_socket@PLT
                call BIO_meth_get_create@PLT
                call BIO_set_data@PLT
                ret

            """.write(toFile: assembly, atomically: true, encoding: .utf8)
        _ = try run("/usr/bin/as", ["--32", "-o", "\(extra)/legacy-i386.o", assembly])
        let i386 = "\(extra)/legacy-i386.so"
        _ = try run("/usr/bin/ld", ["-m", "elf_i386", "-shared", "-o", i386, "\(extra)/legacy-i386.o"])
        return Built(folder: folder, strippedEmbedded: stripped, i386Affected: i386)
    }

    /// stdout of a tool that must succeed.
    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(tool, arguments)
        guard result.status == 0 else { throw BuildFailed(command: ([tool] + arguments).joined(separator: " "), stderr: result.stderr) }
        return result.output
    }

    package struct BuildFailed: Error, CustomStringConvertible {
        let command: String
        let stderr: String
        package var description: String { "\(command) failed (scripts/test installs gcc, libc6-dev, libssl-dev, binutils): \(stderr)" }
    }
}
