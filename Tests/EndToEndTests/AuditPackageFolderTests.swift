import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// A packager's audit through the built binary: a folder of `.deb` files (the
/// packages of a release, an archive's pool) is audited package by package, each
/// finding names the package a bug goes to, and a folder with no ELF file in it
/// ends the run with the reason, never as a clean audit.
@Suite struct AuditPackageFolderTests {
    /// A `.deb` built with `dpkg-deb --build` from a folder holding `DEBIAN/control`
    /// and the audit fixture `fixture` as `/usr/bin/NAME`, written to `path`.
    static func package(_ name: String, version: String, source: String?, fixture: String, at path: String) throws {
        let manager = FileManager.default
        let root = URL(fileURLWithPath: path + ".root")
        try manager.createDirectory(at: root.appendingPathComponent("DEBIAN"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        try """
            Package: \(name)
            \(source.map { "Source: \($0)\n" } ?? "")Version: \(version)
            Architecture: amd64
            Maintainer: tlsprobe tests <tests@example.invalid>
            Description: an audit fixture in a package

            """.write(to: root.appendingPathComponent("DEBIAN/control"), atomically: true, encoding: .utf8)
        try manager.copyItem(atPath: AuditFixtures.get().path(fixture), toPath: root.appendingPathComponent("usr/bin/\(name)").path)
        let build = try ProcessRunner.run("/usr/bin/dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", root.path, path])
        try #require(build.status == 0, "\(build.stderr)")
        try manager.removeItem(at: root)
    }

    /// `debs/`: two packages named `.deb`, one package named anything (found by its
    /// content), a file named `.deb` that is none (not ELF, never an error), and a text file.
    static func debs(in folder: URL) throws -> String {
        let debs = folder.appendingPathComponent("debs").path
        try FileManager.default.createDirectory(atPath: debs, withIntermediateDirectories: true)
        try package("tlsprobe-legacy", version: "1:9.2.4-1+b1", source: "tlsprobe-proxy (1:9.2.4-1)", fixture: "affected-pattern",
                    at: debs + "/tlsprobe-legacy_9.2.4-1+b1_amd64.deb")
        try package("tlsprobe-fixed", version: "2.0-1", source: nil, fixture: "inherits-socket-bio", at: debs + "/tlsprobe-fixed_2.0-1_amd64.deb")
        try package("tlsprobe-own", version: "3.1-2", source: "tlsprobe-own-src", fixture: "own-bio", at: debs + "/renamed.bin")
        try Data("not a package\n".utf8).write(to: URL(fileURLWithPath: debs + "/fake.deb"))
        try Data("Release notes\n".utf8).write(to: URL(fileURLWithPath: debs + "/README"))
        return debs
    }

    @Test func aFolderOfPackagesIsAuditedPackageByPackage() throws {
        let folder = try Repository.scratch("audit-debs-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        let debs = try Self.debs(in: folder)
        let scratch = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let json = folder.appendingPathComponent("audit.json").path
        let run = try CLI.run(["audit", debs + "/", "--fail-on", "affected-pattern", "--format", "json", "--output", json],
                              environment: ["TMPDIR": scratch.path])
        #expect(run.status == 1, "the affected package fails --fail-on: \(run.status) \(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "unpacked folders left behind")
        let valid = try AuditCommandTests.validate(json)
        #expect(valid.status == 0, "\(valid.transcript)")
        let report = try AuditReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))

        func file(_ name: String) -> AuditedFile? { report.files.first { $0.path.hasSuffix(":/usr/bin/\(name)") } }
        let legacy = try #require(file("tlsprobe-legacy"), "\(report.files.map(\.path))")
        #expect(legacy.class == .affectedPattern)
        #expect(legacy.package == debs + "/tlsprobe-legacy_9.2.4-1+b1_amd64.deb", "package stays the .deb's path")
        #expect(legacy.packageInfo == DebianPackageInfo(name: "tlsprobe-legacy", version: "1:9.2.4-1+b1", architecture: "amd64",
                                                        source: "tlsprobe-proxy", sourceVersion: "1:9.2.4-1"))
        let fixed = try #require(file("tlsprobe-fixed"))
        #expect(fixed.class == .inheritsSocketBIO)
        #expect(fixed.packageInfo == DebianPackageInfo(name: "tlsprobe-fixed", version: "2.0-1", architecture: "amd64",
                                                       source: "tlsprobe-fixed", sourceVersion: "2.0-1"), "no Source: the package is its own source")
        let own = try #require(file("tlsprobe-own"), "a package is found by its content, whatever its name")
        #expect(own.class == .ownBIO && own.package == debs + "/renamed.bin" && own.packageInfo?.source == "tlsprobe-own-src")
        #expect(report.files.count == 3, "\(report.files.map(\.path))")
        #expect(report.skipped.notELF == 2, "fake.deb and README are not ELF, and no error: \(report.skipped)")
        #expect(report.summary[.error] == 0)

        // The terminal got the text: each package under its name and version.
        #expect(run.output.contains("[tlsprobe-legacy 1:9.2.4-1+b1] "), "\(run.output)")
        #expect(run.output.contains("[tlsprobe-fixed 2.0-1] "), "\(run.output)")
        for line in run.output.split(separator: "\n") {
            #expect(line.count <= 80, "\(line.count) columns: \(line)")
        }

        let markdown = try CLI.run(["audit", debs, "--format", "markdown"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        #expect(markdown.output.contains("| ✗ `affected-pattern` | `tlsprobe-legacy` 1:9.2.4-1+b1 |"), "\(markdown.output)")
        #expect(markdown.output.contains("package: tlsprobe-legacy 1:9.2.4-1+b1 amd64, source tlsprobe-proxy 1:9.2.4-1"))

        let junit = folder.appendingPathComponent("audit.xml").path
        let xml = try CLI.run(["audit", debs, "--format", "junit", "--output", junit])
        #expect(xml.status == 0, "\(xml.stderr)")
        let lint = try Formats.xmllint(["--noout", "--schema", Formats.junitSchema, junit])
        #expect(lint.status == 0, "\(lint.transcript)")
        #expect(try Formats.xpath("string(//testsuite[.//testcase[failure]]/properties/property[@name='deb-package']/@value)", in: junit)
                == "tlsprobe-legacy")
    }

    /// A package given and the folder holding it: audited once, the second counted as reached twice.
    @Test func aPackageGivenAndMetInItsFolderIsAuditedOnce() throws {
        let folder = try Repository.scratch("audit-debs-twice")
        defer { try? FileManager.default.removeItem(at: folder) }
        let debs = try Self.debs(in: folder)
        let run = try CLI.run(["audit", debs + "/tlsprobe-fixed_2.0-1_amd64.deb", debs, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.files.filter { $0.packageInfo?.name == "tlsprobe-fixed" }.count == 1, "\(report.files.map(\.path))")
        #expect(report.skipped.duplicates == 1)
    }

    /// No ELF file anywhere: exit 3 with the reason on stderr, whatever the format, and
    /// `gate --audit` fails on the same input.
    @Test func nothingAuditedExitsThreeWithTheReason() throws {
        let folder = try Repository.scratch("audit-nothing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let docs = folder.appendingPathComponent("docs").path
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        for name in ["a.txt", "b.deb", "c.sh", "d"] {
            try Data("text\n".utf8).write(to: URL(fileURLWithPath: "\(docs)/\(name)"))
        }
        try FileManager.default.createSymbolicLink(atPath: docs + "/link", withDestinationPath: "/etc/hostname")
        let run = try CLI.run(["audit", docs + "/", "--fail-on", "affected-pattern"])
        #expect(run.status == 3, "\(run.status) \(run.stderr)")
        #expect(run.stderr.contains("tlsprobe: nothing audited: no ELF file among the 5 files in \(docs)/: 4 not ELF, 1 symlink (never followed)"),
                "\(run.stderr)")
        #expect(run.output.hasPrefix("Verdict: nothing audited"), "\(run.output)")

        let json = try CLI.run(["audit", docs, "--format", "json"])
        #expect(json.status == 3 && json.stderr.contains("nothing audited"), "\(json.stderr)")
        let report = try AuditReport.decode(json.stdout)
        #expect(report.files.isEmpty && report.verdict.hasPrefix("nothing audited: no ELF file among the 5 files"))

        let markdown = try CLI.run(["audit", docs, "--format", "markdown"])
        #expect(markdown.status == 3 && markdown.output.hasPrefix("# tlsprobe audit: nothing audited\n"), "\(markdown.output)")

        let one = folder.appendingPathComponent("one").path
        try FileManager.default.createDirectory(atPath: one, withIntermediateDirectories: true)
        try Data("text\n".utf8).write(to: URL(fileURLWithPath: one + "/notes"))
        let single = try CLI.run(["audit", one])
        #expect(single.status == 3 && single.stderr.contains("nothing audited: no ELF file in \(one): 1 not ELF"), "\(single.stderr)")
        #expect(single.output.contains("No ELF file was found: nothing was audited."), "\(single.output)")

        let empty = folder.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try CLI.run(["audit", empty])
        #expect(none.status == 3 && none.stderr.contains("nothing audited: no file at all in \(empty)"), "\(none.stderr)")

        // An input that cannot be read is the user's to fix, as before: 2, not 3.
        let missing = try CLI.run(["audit", folder.appendingPathComponent("missing").path])
        #expect(missing.status == 2, "\(missing.stderr)")

        let gate = try CLI.run(["gate", "--family", "ipv4", "--tfo", "off", "--phase", "handshake", "--audit", docs])
        #expect(gate.status == 1 && gate.output.contains("FAIL audit:"), "\(gate.output)\(gate.stderr)")
    }

    /// An installed file found in a folder names the package that owns it, as dpkg-query says,
    /// also under the name a merged-/usr system gives it (`/lib/…` for dpkg's `/usr/lib/…` and back).
    @Test func anInstalledFileNamesItsOwningPackage() throws {
        let run = try CLI.run(["audit", "/usr/bin/openssl", "/lib/x86_64-linux-gnu/libssl.so.3", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        for file in report.files {
            let real = URL(fileURLWithPath: file.path).resolvingSymlinksInPath().path
            let owner = try ProcessRunner.run("/usr/bin/dpkg-query", ["-S", real])
            try #require(owner.status == 0, "\(owner.stderr)")
            // "libssl3:amd64: /usr/lib/x86_64-linux-gnu/libssl.so.3"
            let name = String(owner.output.split(separator: ":").first ?? "")
            let key = String(owner.output.prefix { $0 != " " }.dropLast())
            let fields = try ProcessRunner.run("/usr/bin/dpkg-query", ["-W", "-f", "${Version} ${source:Package}", key])
            let words = fields.output.split(separator: " ").map(String.init)
            #expect(file.packageInfo?.name == name, "\(file.path): \(String(describing: file.packageInfo)) vs \(owner.output)")
            #expect(file.packageInfo?.version == words.first && file.packageInfo?.source == words.last, "\(fields.output)")
        }
        let junit = try CLI.run(["audit", "/usr/bin/openssl", "--format", "junit"])
        #expect(junit.output.contains("package: openssl "), "the evidence names the owner: \(junit.output)")
    }
}
