import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// `.rpm` packages read as streams (issue 22), through the built binary: an rpm built
/// here with `rpmbuild` from two fixture ELF files, named so that only its content says
/// it is one, gives each file's class with its member path and the header's identity;
/// a header whose index points past its store is an `error`, and nothing is written.
@Suite struct AuditRPMTests {
    @Test(arguments: ["w9.gzdio", "w6.xzdio", "w19.zstdio"])
    func anRPMIsAuditedMemberByMemberWithItsIdentity(_ payload: String) throws {
        let folder = try Repository.scratch("audit-rpm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rpm = try RPMFixture.build(in: folder, payload: payload)
        let temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let run = try CLI.run(["audit", rpm, "--format", "json"], environment: ["TMPDIR": temporary.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.files.map(\.path).sorted() == ["\(rpm):/usr/bin/affected", "\(rpm):/usr/lib/inherits.so"], "\(report.files)")
        let affected = report.files.first { $0.path == "\(rpm):/usr/bin/affected" }
        #expect(affected?.class == .affectedPattern)
        #expect(report.files.first { $0.path == "\(rpm):/usr/lib/inherits.so" }?.class == .inheritsSocketBIO)
        for file in report.files {
            #expect(file.package == rpm)
            #expect(file.packageInfo == DebianPackageInfo(name: "tlsprobe-fixture", version: "1.2-3", architecture: "x86_64",
                                                          source: "tlsprobe-fixture", sourceVersion: "1.2-3", format: "rpm"), "\(file.path)")
        }
        #expect(AuditStreamTests.listing(temporary).isEmpty)
        let saved = folder.appendingPathComponent("report.json")
        try run.stdout.write(to: saved)
        let valid = try AuditCommandTests.validate(saved.path)
        #expect(valid.status == 0, "docs/audit-schema.json: \(valid.output) \(valid.stderr)")

        let text = try CLI.run(["audit", rpm, "--color", "never", "--wide"], environment: ["TMPDIR": temporary.path])
        #expect(text.output.contains("[tlsprobe-fixture 1.2-3]"), "\(text.output)")
        #expect(text.output.contains("/usr/bin/affected"), "\(text.output)")

        // JUnit and SARIF say it is an .rpm, not a .deb.
        let junit = try CLI.run(["audit", rpm, "--format", "junit"], environment: ["TMPDIR": temporary.path])
        #expect(junit.output.contains(#"name="rpm-package" value="tlsprobe-fixture""#), "\(junit.output)")
        #expect(junit.output.contains(".rpm: \(rpm)") && !junit.output.contains("deb-package"), "\(junit.output)")
        let sarif = try CLI.run(["audit", rpm, "--format", "sarif"], environment: ["TMPDIR": temporary.path])
        let log = try JSONSerialization.jsonObject(with: sarif.stdout) as? [String: Any]
        let results = ((log?["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        let properties = results.first { $0["ruleId"] as? String == "affected-pattern" }?["properties"] as? [String: Any]
        #expect(properties?["rpm"] as? String == rpm && properties?["Package"] as? String == "tlsprobe-fixture", "\(results)")
        #expect(properties?["Version"] as? String == "1.2-3" && properties?["Architecture"] as? String == "x86_64")
    }

    /// An rpm met in a folder is recognised by its content and read in its place, as a `.deb` is.
    @Test func anRPMMetInAFolderIsReadInItsPlace() throws {
        let folder = try Repository.scratch("audit-rpm-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rpm = try RPMFixture.build(in: folder.appendingPathComponent("build"), payload: "w19.zstdio")
        let packages = folder.appendingPathComponent("packages")
        try FileManager.default.createDirectory(at: packages, withIntermediateDirectories: false)
        let inside = packages.appendingPathComponent("fixture.bin").path
        try FileManager.default.moveItem(atPath: rpm, toPath: inside)
        try "not a package\n".write(to: packages.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let run = try CLI.run(["audit", packages.path, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.files.map(\.path).sorted() == ["\(inside):/usr/bin/affected", "\(inside):/usr/lib/inherits.so"], "\(report.files)")
        #expect(report.files.allSatisfy { $0.package == inside && $0.packageInfo?.name == "tlsprobe-fixture" })
        #expect(report.skipped.notELF == 1)
    }

    /// The main header's NAME entry pointed past the end of its data store: an `error` naming the
    /// entry, no payload read, nothing written to TMPDIR.
    @Test func anRPMWhoseHeaderIndexPointsPastItsStoreIsAnError() throws {
        let folder = try Repository.scratch("audit-rpm-corrupt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let rpm = try RPMFixture.build(in: folder, payload: "w9.gzdio")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: rpm)))
        func word(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let signatureEnd = 96 + 16 + word(96 + 8) * 16 + word(96 + 12)
        let main = signatureEnd + (8 - signatureEnd % 8) % 8
        #expect(bytes[main..<main + 4] == [0x8E, 0xAD, 0xE8, 0x01])
        let entries = (0..<word(main + 8)).map { main + 16 + $0 * 16 }
        let name = try #require(entries.first { word($0) == 1000 }, "no NAME entry")
        bytes.replaceSubrange(name + 8..<name + 12, with: [0x7F, 0xFF, 0xFF, 0x00])
        let corrupt = folder.appendingPathComponent("corrupt.rpm").path
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
        let temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let run = try CLI.run(["audit", corrupt, "--format", "json"], environment: ["TMPDIR": temporary.path])
        #expect(run.status == 2, "an unreadable input: \(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.files.count == 1)
        #expect(report.files.first?.class == .error)
        #expect(report.files.first?.error?.contains("points at offset 2147483392, past its") == true, "\(report.files)")
        #expect(AuditStreamTests.listing(temporary).isEmpty)
    }
}
