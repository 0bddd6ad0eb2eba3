@testable import AuditClassification
import Foundation
@testable import BinaryAudit
@testable import ELFInspection
@testable import MatrixAnalysis
@testable import ReportRendering
import Testing
import TestSupport

/// The auditor in process, on binaries built from `Tests/Fixtures/audit` and on
/// files broken on purpose: classes from ELF evidence, the evidence itself, the
/// walk, and the renderers.
@Suite struct AuditTests {
    /// One file audited; a file that is not ELF fails the test.
    func audit(_ path: String) throws -> AuditedFile {
        guard let file = AuditedFile.read(path: path, display: path, package: nil) else { throw NotAudited(path: path) }
        return file
    }

    struct NotAudited: Error { let path: String }

    @Test(arguments: AuditFixtures.classes)
    func eachFixtureGetsItsClass(_ fixture: String) throws {
        let file = try audit(try AuditFixtures.get().path(fixture))
        #expect(file.class.rawValue == fixture, "\(AuditEvidence.lines(file).joined(separator: "\n"))")
    }

    @Test func theAffectedPatternIsReadFromVersionedBoundImports() throws {
        let file = try audit(try AuditFixtures.get().path("affected-pattern"))
        for symbol in ["BIO_s_socket", "BIO_meth_get_create", "BIO_meth_get_ctrl", "BIO_meth_get_destroy", "BIO_set_data", "BIO_get_data", "BIO_meth_new"] {
            let imported = try #require(file.elf.imported(symbol), "\(symbol) missing from \(file.elf.imports.map(\.symbol))")
            #expect(imported.version == "OPENSSL_3.0.0" || imported.version?.hasPrefix("OPENSSL_") == true, "\(imported)")
            // Each is called from code, so each has a PLT slot (or a GOT entry with -fno-plt).
            #expect(imported.isBound, "\(symbol) is not bound by any relocation")
        }
        #expect(file.elf.needs.contains { $0.hasPrefix("libcrypto.so.") })
        #expect(file.elf.openSSLLines == ["3"])
        #expect(file.elf.symbolVersions.contains("OPENSSL_3.0.0"))
        #expect(file.elf.bits == 64 && file.elf.machine == "x86-64")
        #expect(file.elf.definitions.isEmpty && file.elf.embeddedVersion == nil)
        // BIO_meth_free and the setters other than create are not evidence.
        #expect(file.elf.imported("BIO_meth_free") == nil && file.elf.imported("BIO_meth_set_write") == nil)
    }

    @Test func theFixKeepsItsStateInExData() throws {
        let file = try audit(try AuditFixtures.get().path("inherits-socket-bio"))
        #expect(file.elf.imported("BIO_set_ex_data") != nil && file.elf.imported("BIO_get_ex_data") != nil)
        #expect(file.elf.imported("BIO_set_data") == nil && file.elf.imported("BIO_get_data") == nil)
        #expect(AuditEvidence.summary(file) == "create,ctrl,destroy; ex_data")
    }

    @Test func anEmbeddedOpenSSLShowsItsDefinitionsAndVersion() throws {
        let built = try AuditFixtures.get()
        let file = try audit(built.path("embedded-openssl"))
        #expect(file.elf.staticallyLinked && file.elf.needs.isEmpty && file.elf.imports.isEmpty)
        #expect(file.elf.definitions.contains("BIO_s_socket") && file.elf.definitions.contains("BIO_new"))
        #expect(!file.elf.exportsDefinitions, "a static program has no dynamic symbol table to re-export from")
        let version = try #require(file.elf.embeddedVersion)
        #expect(ELFReader.isVersionText(version) && version.hasPrefix("OpenSSL 3."), "\(version)")

        // Stripped of its symbol table, only the version string in .rodata is left.
        let stripped = try audit(built.strippedEmbedded)
        #expect(stripped.class == .embeddedOpenSSL)
        #expect(stripped.elf.definitions.isEmpty)
        #expect(stripped.elf.embeddedVersion == version)
    }

    @Test func aThirtyTwoBitLibraryIsAuditedLikeAnyOther() throws {
        let file = try audit(try AuditFixtures.get().i386Affected)
        #expect(file.class == .affectedPattern, "\(AuditEvidence.lines(file))")
        #expect(file.elf.bits == 32 && file.elf.machine == "i386" && file.elf.type == "shared-object")
        // Unversioned (no libcrypto to link against), bound through .rel.plt.
        #expect(file.elf.imports.allSatisfy { $0.version == nil && $0.relocations == [.plt] }, "\(file.elf.imports)")
    }

    @Test func theSystemLibcryptoIsOpenSSLItself() throws {
        let path = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3"
        try #require(FileManager.default.fileExists(atPath: path))
        let file = try audit(path)
        #expect(file.class == .embeddedOpenSSL)
        #expect(file.elf.exportsDefinitions && file.elf.definedVersions.contains("OPENSSL_3.0.0"))
        #expect(file.elf.embeddedVersion?.hasPrefix("OpenSSL 3.") == true)
        #expect(AuditEvidence.summary(file).hasPrefix("is OpenSSL: OpenSSL 3."))
    }

    // MARK: Classification from evidence alone

    static func imports(_ symbols: String...) -> [SymbolImport] {
        symbols.map { SymbolImport(symbol: $0, version: "OPENSSL_3.0.0", relocations: [.plt]) }
    }

    @Test func classificationRules() {
        func classify(_ imports: [SymbolImport], needs: [String] = ["libssl.so.3"], definitions: [String] = [],
                      version: String? = nil, definedVersions: [String] = []) -> AuditClass {
            var elf = ELFFile()
            elf.needs = needs
            elf.imports = imports
            elf.definitions = definitions
            elf.embeddedVersion = version
            elf.definedVersions = definedVersions
            return AuditClassifier.classify(AuditedFile(path: "x", class: .error, elf: elf))
        }
        #expect(classify(Self.imports("BIO_s_socket", "BIO_meth_get_create", "BIO_get_data")) == .affectedPattern)
        // Getters without BIO_s_socket, or without the create getter, do not make the affected pattern.
        #expect(classify(Self.imports("BIO_meth_get_create", "BIO_set_data")) == .inheritsSocketBIO)
        #expect(classify(Self.imports("BIO_s_socket", "BIO_meth_get_ctrl", "BIO_set_data")) == .inheritsSocketBIO)
        #expect(classify(Self.imports("BIO_s_socket", "BIO_meth_get_write")) == .inheritsSocketBIO)
        #expect(classify(Self.imports("BIO_meth_new", "BIO_meth_set_create", "BIO_set_data")) == .ownBIO)
        #expect(classify(Self.imports("BIO_meth_new")) == .ownBIO)
        #expect(classify([]) == .noCustomBIO)
        #expect(classify([], needs: []) == .notOpenSSL)
        // A plug-in with unversioned imports and no DT_NEEDED still links OpenSSL.
        #expect(classify([SymbolImport(symbol: "BIO_s_socket")], needs: []) == .noCustomBIO)
        // Defining BIO functions outranks any import: the imports say nothing then.
        #expect(classify(Self.imports("BIO_s_socket", "BIO_meth_get_create", "BIO_get_data"), definitions: ["BIO_new"]) == .embeddedOpenSSL)
        #expect(classify([], needs: [], version: "OpenSSL 3.0.19 27 Jan 2026") == .embeddedOpenSSL)
        // libssl: defines OPENSSL_3.0.0, imports the socket BIO and data accessors, makes no method.
        #expect(classify(Self.imports("BIO_s_socket", "BIO_set_data", "BIO_get_data"), needs: [], definedVersions: ["OPENSSL_3.0.0"]) == .noCustomBIO)
    }

    @Test(arguments: [
        ("OpenSSL 3.0.19 27 Jan 2026", true), ("OpenSSL 1.1.1w  11 Sep 2023", true), ("OpenSSL 3.5.0", true),
        ("OpenSSL 4.0.0-alpha1 1 Jan 2026", true), ("OpenSSL 3", false), ("OpenSSL library", false),
        ("OpenSSL 1.0 or later is required", false), ("OpenSSL 3.0.x\u{1B}", false),
    ])
    func versionStrings(_ text: String, _ valid: Bool) {
        #expect(ELFReader.isVersionText(text) == valid, "\(text)")
    }

    @Test func versionStringsMustStandAloneInReadOnlyData() {
        let bytes = Array("\0xOpenSSL 3.0.1 bad\0OpenSSL 1.1.1w  11 Sep 2023\0OpenSSL 3.0.19 27 Jan 2026".utf8) + [0]
        let found = bytes.withUnsafeBytes { ELFReader.versionStrings(in: $0) }
        #expect(found == ["OpenSSL 1.1.1w  11 Sep 2023", "OpenSSL 3.0.19 27 Jan 2026"])
    }

    // MARK: Bad input

    @Test func brokenFilesAreErrorsWithTheirReason() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Data(contentsOf: URL(fileURLWithPath: built.path("own-bio")))
        func write(_ name: String, _ data: Data) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        var wrongClass = good
        wrongClass[4] = 3
        var wrongOrder = good
        wrongOrder[5] = 7
        let cases: [(String, Data, String)] = [
            ("truncated", good.prefix(good.count / 2), "truncated: the section header table ends at byte"),
            ("header-only", good.prefix(20), "truncated: 20 bytes, less than an ELF header"),
            ("wrong-class", wrongClass, "invalid ELF class 3"),
            ("wrong-order", wrongOrder, "invalid byte order 7"),
        ]
        for (name, data, reason) in cases {
            let file = try audit(try write(name, data))
            #expect(file.class == .error, "\(name): \(file.class)")
            #expect(file.error?.contains(reason) == true, "\(name): \(file.error ?? "no reason")")
        }
        for (name, data) in [("script", Data("#!/bin/sh\necho hi\n".utf8)), ("empty", Data()), ("elf-magic-only", Data([0x7F, 0x45]))] {
            let path = try write(name, data)
            guard case .notELF = ELFReader.read(path: path) else {
                Issue.record("\(name) should be skipped as not ELF")
                continue
            }
        }
    }

    @Test func theWalkFollowsNoSymlinkAndCountsWhatItSkips() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-walk")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree").path
        let manager = FileManager.default
        try manager.createDirectory(atPath: tree + "/sub/deeper", withIntermediateDirectories: true)
        try manager.copyItem(atPath: built.path("affected-pattern"), toPath: tree + "/sub/deeper/affected")
        try manager.copyItem(atPath: built.path("own-bio"), toPath: tree + "/own")
        try "not ELF".write(toFile: tree + "/README", atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(atPath: tree + "/sub/deeper/loop", withDestinationPath: "..")       // back to a folder containing it
        try manager.createSymbolicLink(atPath: tree + "/X11", withDestinationPath: ".")                    // Debian's /usr/bin/X11
        try manager.createSymbolicLink(atPath: tree + "/same", withDestinationPath: "own")                 // within the tree
        try manager.createSymbolicLink(atPath: tree + "/outside", withDestinationPath: built.path("inherits-socket-bio"))
        try manager.createSymbolicLink(atPath: tree + "/nowhere", withDestinationPath: "missing")
        try manager.createSymbolicLink(atPath: tree + "/cycle-a", withDestinationPath: "cycle-b")
        try manager.createSymbolicLink(atPath: tree + "/cycle-b", withDestinationPath: "cycle-a")
        #expect(mkfifo(tree + "/fifo", 0o600) == 0)

        // The tree given twice (once through a trailing slash) and a file in it again: each file read once.
        let report = Auditor(paths: [tree, tree + "/", tree + "/own"], readers: 3, command: ["test"]).run()
        #expect(report.files.map(\.path) == [tree + "/own", tree + "/sub/deeper/affected"], "\(report.files.map(\.path))")
        #expect(report.files.map(\.class) == [.ownBIO, .affectedPattern])
        #expect(report.skipped.notELF == 1, "README, read once")
        #expect(report.skipped.symlinkLoops == 8, "loop, X11 and both links of the cycle, in each of two walks: \(report.skipped)")
        #expect(report.skipped.symlinksWithinTree == 2 && report.skipped.symlinksOutOfTree == 2 && report.skipped.danglingSymlinks == 2)
        // The second walk's own, README and affected, and own given again.
        #expect(report.skipped.specialFiles == 2 && report.skipped.duplicates == 4)
        #expect(report.outcome == .clean)
        #expect(report.summary.count == AuditClass.allCases.count && report.summary[.affectedPattern] == 1)
    }

    @Test func inputsThatCannotBeReadAreErrorsAndTheRestIsStillAudited() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-inputs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let corrupt = folder.appendingPathComponent("corrupt.deb").path
        try Data("!<arch>\nnot really".utf8).write(to: URL(fileURLWithPath: corrupt))
        let missing = folder.appendingPathComponent("missing").path
        let report = Auditor(paths: [missing, corrupt, built.path("not-openssl")], failOn: .affectedPattern, command: ["test"]).run()
        #expect(report.files.map(\.class) == [.error, .error, .notOpenSSL])
        #expect(report.files[0].error?.contains("ENOENT") == true)
        #expect(report.files[1].error == "not a Debian package: an ar archive without a member libarchive can read", "\(report.files[1].error ?? "")")
        #expect(report.files[1].package == corrupt)
        #expect(report.outcome == .unreadable)
        #expect(report.verdict.hasSuffix("2 files could not be read"), "\(report.verdict)")
    }

    @Test func oneReaderOrManyGiveTheSameReport() throws {
        let built = try AuditFixtures.get()
        let one = Auditor(paths: [built.folder], readers: 1, command: ["test"]).run()
        let many = Auditor(paths: [built.folder], readers: 8, command: ["test"]).run()
        #expect(one.files == many.files)
        #expect(one.files.count == AuditFixtures.classes.count)
    }

    @Test func failOnIsAThreshold() throws {
        let built = try AuditFixtures.get()
        let inherits = [built.path("inherits-socket-bio")]
        #expect(Auditor(paths: inherits, failOn: .affectedPattern, command: []).run().outcome == .clean)
        #expect(Auditor(paths: inherits, failOn: .inheritsSocketBIO, command: []).run().outcome == .failing)
        #expect(Auditor(paths: [built.path("affected-pattern")], failOn: .inheritsSocketBIO, command: []).run().outcome == .failing)
        #expect(Auditor(paths: [built.path("affected-pattern")], command: []).run().outcome == .clean, "without --fail-on: clean when all was read")
    }

    // MARK: Gate

    @Test func theGateAuditCondition() throws {
        let built = try AuditFixtures.get()
        let fixtures = Auditor(paths: [built.folder], command: []).run()
        let failed = Gate.audit(fixtures, failOn: .affectedPattern)
        #expect(!failed.passed && failed.condition == "audit")
        #expect(failed.detail.contains("affected-pattern (affected-pattern)"), "\(failed.detail)")
        let clean = Auditor(paths: [built.path("own-bio"), built.path("inherits-socket-bio")], command: []).run()
        #expect(Gate.audit(clean, failOn: .affectedPattern).passed)
        #expect(!Gate.audit(clean, failOn: .inheritsSocketBIO).passed)
        let unread = Auditor(paths: [built.path("own-bio"), "/nonexistent/tlsprobe"], command: []).run()
        let open = Gate.audit(unread, failOn: .affectedPattern)
        #expect(!open.passed && open.detail.hasPrefix("cannot tell"), "\(open.detail)")
        #expect(!Gate.audit(nil, failOn: .affectedPattern).passed)
        let verdicts = Gate(requiredModes: [], auditFailOn: .affectedPattern).evaluate(ReportFixture.report(), audit: clean)
        #expect(verdicts.map(\.condition) == ["audit"])
    }

    // MARK: Renderers

    @Test func theTextFitsEightyColumnsAndEscapesPaths() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-text")
        defer { try? FileManager.default.removeItem(at: folder) }
        let hostile = folder.appendingPathComponent("evil\u{1B}[2J|`name`\nrow with a long name to be cut in the table").path
        try FileManager.default.copyItem(atPath: built.path("affected-pattern"), toPath: hostile)
        let report = Auditor(paths: [built.folder, folder.path], command: ["tlsprobe", "audit"]).run()
        let text = AuditTextRenderer(color: false).render(report)
        for line in text.split(separator: "\n") {
            #expect(line.count <= 80, "\(line.count) columns: \(line)")
        }
        #expect(!text.contains("\u{1B}"), "an escape from a file name reached the terminal")
        let wide = AuditTextRenderer(color: false, wide: true).render(report)
        #expect(!wide.contains("\u{1B}") && wide.contains("evil\\x1B[2J|`name`\\x0Arow"), "\(wide)")
        for fixture in AuditFixtures.classes where AuditClass(rawValue: fixture)!.isFinding {
            #expect(text.contains(fixture), "\(fixture) has no row")
        }
        #expect(text.hasPrefix("Verdict: AFFECTED"))
        #expect(text.contains("7 files: 2 affected-pattern, 1 inherits-socket-bio, 0 error, 1 embedded-openssl,"))
        #expect(AuditTextRenderer(color: false).renderVerdict(report).split(separator: "\n").count == 1)
        #expect(wide.contains("create,ctrl,destroy; data set+get"))
    }

    @Test func markdownAndJUnitCarryEveryFile() throws {
        let built = try AuditFixtures.get()
        let report = Auditor(paths: [built.folder], failOn: .inheritsSocketBIO, command: ["tlsprobe", "audit", built.folder]).run()
        let markdown = AuditMarkdownRenderer().render(report)
        #expect(markdown.hasPrefix("# tlsprobe audit: AFFECTED"))
        for table in MarkdownTables.tables(in: markdown) {
            let columns = table.map(MarkdownTables.columns)
            #expect(Set(columns).count == 1, "\(table)")
        }
        #expect(markdown.components(separatedBy: "| ✗ `").count - 1 == 2, "affected and inherits fail with --fail-on inherits-socket-bio")
        let findings = try #require(MarkdownTables.tables(in: markdown).first { $0.first?.hasPrefix("| class | file |") == true })
        #expect(findings.count == 2 + 4, "a header, its rule and one row per finding: \(findings)")

        let xml = AuditJUnitRenderer().render(report)
        #expect(try Tool.xpath("count(//testcase)", in: xml) == "\(AuditFixtures.classes.count)")
        #expect(try Tool.xpath("count(//testcase/failure)", in: xml) == "2")
        #expect(try Tool.xpath("string(//testcase[@classname='affected-pattern']/failure/@type)", in: xml) == "affected-pattern")
        #expect(try Tool.xpath("string(//testcase[@classname='own-bio']/@name)", in: xml) == built.path("own-bio"))
        let lint = try Tool.run(Tool.xmllint, ["--noout", "--schema", Tool.junitSchema, "-"], stdin: Data(xml.utf8))
        #expect(lint.status == 0, "\(lint.stderr)")
    }

    /// Every class says what to do, and a report says it once per class found, not per file.
    @Test func adviceOncePerClassFound() throws {
        for auditClass in AuditClass.allCases {
            #expect(!auditClass.advice.isEmpty && !auditClass.advice.contains("\n"), "\(auditClass)")
        }
        #expect(AuditClass.affectedPattern.advice.contains("ex_data") && AuditClass.affectedPattern.advice.contains("SSL_set_fd"))
        #expect(AuditClass.inheritsSocketBIO.advice.contains("filter BIO"))
        #expect(AuditClass.embeddedOpenSSL.advice.contains("--bio-plugin"))
        let built = try AuditFixtures.get()
        // The affected fixture twice: two files, one piece of advice.
        let report = Auditor(paths: [built.folder, built.i386Affected], command: ["tlsprobe", "audit"]).run()
        #expect(report.summary[.affectedPattern] == 2)
        let text = AuditTextRenderer(color: false, wide: true).render(report)
        let markdown = AuditMarkdownRenderer().render(report)
        let found = Set(report.files.map(\.class).filter(\.isFinding))
        #expect(found.count == 4)
        #expect(text.components(separatedBy: "what to do: ").count - 1 == found.count, "\(text)")
        for auditClass in AuditClass.allCases {
            #expect(text.contains("what to do: " + auditClass.advice) == found.contains(auditClass) || auditClass.advice == AuditClass.ownBIO.advice, "\(auditClass) in\n\(text)")
            #expect(markdown.components(separatedBy: "- `\(auditClass.rawValue)`: ").count - 1 == (found.contains(auditClass) ? 1 : 0), "\(auditClass) in\n\(markdown)")
        }
        #expect(markdown.contains("### What to do") && markdown.contains("`tlsprobe matrix --bio-plugin`"))
        // The columns say what they are; the cut text says where the rest is.
        let narrow = AuditTextRenderer(color: false).render(report)
        #expect(narrow.contains("CLASS") && narrow.contains("OPENSSL") && !narrow.contains(" SSL "), "\(narrow)")
        #expect(narrow.contains("--wide shows all") && !text.contains("--wide shows all"))
        #expect(!narrow.contains("(exporte"), "\(narrow)")
    }

    // MARK: Packages

    /// `dpkg-deb --field` output as a package's control data gives it: a Source with
    /// its own version (a binNMU), a Source without one, and none at all.
    @Test func controlFieldsNameThePackageAndItsSource() {
        let binNMU = DebianPackageInfo.parse("Package: libpq5\nVersion: 15.20-0+deb12u1+b1\nArchitecture: amd64\nSource: postgresql-15 (15.20-0+deb12u1)\n")
        #expect(binNMU == DebianPackageInfo(name: "libpq5", version: "15.20-0+deb12u1+b1", architecture: "amd64",
                                            source: "postgresql-15", sourceVersion: "15.20-0+deb12u1"))
        let named = DebianPackageInfo.parse("Package: trafficserver\nVersion: 9.2.5-0+deb12u3\nArchitecture: amd64\nSource: trafficserver\n")
        #expect(named?.source == "trafficserver" && named?.sourceVersion == "9.2.5-0+deb12u3")
        let none = DebianPackageInfo.parse("Package: openssl\nVersion: 3.0.17-1~deb12u2\nArchitecture: amd64\n")
        #expect(none?.source == "openssl" && none?.sourceVersion == "3.0.17-1~deb12u2", "no Source: the package is its own source")
        #expect(DebianPackageInfo.parse("Package: x\nArchitecture: all\n") == nil, "no Version")
        #expect(DebianPackageInfo.parse("") == nil)
    }

    /// No ELF file found: the outcome is `nothingAudited`, and the verdict says what was met instead.
    @Test func nothingAuditedSaysWhatWasFound() throws {
        var skipped = AuditSkipped()
        skipped.notELF = 4
        skipped.symlinksOutOfTree = 2
        let report = AuditReport(command: ["tlsprobe", "audit", "debs/"], inputs: ["debs/"], readers: 1, durationMilliseconds: 1,
                                 failOn: .affectedPattern, skipped: skipped, files: [])
        #expect(report.outcome == .nothingAudited)
        #expect(report.verdict == "nothing audited: no ELF file among the 6 files in debs/: 4 not ELF, 2 symlinks (never followed)")
        let empty = AuditReport(command: [], inputs: ["a", "b"], readers: 1, durationMilliseconds: 1, failOn: nil, skipped: AuditSkipped(), files: [])
        #expect(empty.verdict == "nothing audited: no file at all in a, b")
        let unread = AuditReport(command: [], inputs: ["a"], readers: 1, durationMilliseconds: 1, failOn: nil, skipped: AuditSkipped(),
                                 files: [.failed("a", reason: "cannot resolve: ENOENT")])
        #expect(unread.outcome == .unreadable, "an input that could not be read is not 'nothing audited'")
    }

    /// dpkg's database as it lies on disk: only installed packages own files, a Multi-Arch
    /// package's list is `name:arch.list`, and a file dpkg lists under `/lib` is found
    /// under the `/usr/lib` a merged-/usr walk reaches it by.
    @Test func installedOwnersComeFromDpkgsDatabase() throws {
        let root = try Repository.scratch("audit-dpkg-db")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("info"), withIntermediateDirectories: true)
        try """
            Package: libssl3
            Status: install ok installed
            Architecture: amd64
            Multi-Arch: same
            Source: openssl
            Version: 3.0.19-1~deb12u2
            Description: SSL
             a continuation line: Version: 9

            Package: gone
            Status: deinstall ok config-files
            Architecture: amd64
            Version: 1.0

            Package: tool
            Status: install ok installed
            Architecture: amd64
            Version: 2.0-1

            """.write(to: root.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        try "/.\n/usr/lib/x86_64-linux-gnu/libssl.so.3\n".write(to: root.appendingPathComponent("info/libssl3:amd64.list"), atomically: true, encoding: .utf8)
        try "/lib/x86_64-linux-gnu/libtool.so.1\n".write(to: root.appendingPathComponent("info/tool.list"), atomically: true, encoding: .utf8)
        try "/usr/bin/gone\n".write(to: root.appendingPathComponent("info/gone.list"), atomically: true, encoding: .utf8)
        let owners = InstalledPackages(root: root.path).owners(of: ["/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libtool.so.1",
                                                                   "/usr/bin/gone", "/usr/bin/nobody"])
        #expect(owners["/usr/lib/x86_64-linux-gnu/libssl.so.3"] == DebianPackageInfo(name: "libssl3", version: "3.0.19-1~deb12u2", architecture: "amd64",
                                                                                   source: "openssl", sourceVersion: "3.0.19-1~deb12u2"))
        #expect(owners["/usr/lib/x86_64-linux-gnu/libtool.so.1"]?.name == "tool")
        #expect(owners["/usr/bin/gone"] == nil, "a package removed but for its configuration owns nothing")
        #expect(owners.count == 2)
        var small = InstalledPackages(root: root.path)
        small.byteLimit = 10
        #expect(small.owners(of: ["/usr/bin/x"]).isEmpty, "a database past the limit is not read")
    }
}
