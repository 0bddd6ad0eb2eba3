import AuditClassification
import BinaryAudit
import Foundation
import MatrixAnalysis
import MatrixModel
import TestSupport
import Testing

/// `tlsprobe audit` and `gate --audit` as a maintainer or a CI job runs them: on
/// the C fixtures, on real Debian packages from this machine's own mirror, and on
/// inputs broken on purpose.
@Suite struct AuditCommandTests {
    /// Real packages from the machine's apt sources, and the class of the file in
    /// each that `objdump -T` shows the evidence for (README: "Auditing your binaries").
    static let realPackages: [(package: String, file: String, class: AuditClass)] = [
        // The fixed successor of the affected proxy: the socket BIO's getters, destination in ex_data (PR 11501).
        ("trafficserver", "/usr/bin/traffic_server", .inheritsSocketBIO),
        // A database client whose older majors copy the socket BIO's methods with ex_data (app_data).
        ("libpq5", "/usr/lib/x86_64-linux-gnu/libpq.so.5.15", .inheritsSocketBIO),
        // A message-queue library that copies every socket method and keeps no BIO state.
        ("librabbitmq4", "/usr/lib/x86_64-linux-gnu/librabbitmq.so.4.5.0", .inheritsSocketBIO),
        // A BIO of its own: BIO_meth_new with its own create, the data accessors on its own BIO.
        ("libcurl4", "/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", .ownBIO),
        // OpenSSL's own command: links libssl, makes no BIO method.
        ("openssl", "/usr/bin/openssl", .noCustomBIO),
    ]

    /// The `.deb` files, fetched once per test process with `apt-get download` into a scratch folder.
    static let downloaded: Result<[String: String], any Error> = Result {
        let folder = try ProcessScratch.make("audit-debs")
        let names = realPackages.map(\.package)
        func download() throws -> ProcessRunner.Run {
            try ProcessRunner.run("/usr/bin/env", ["-C", folder.path, "apt-get", "download", "-q"] + names)
        }
        var run = try download()
        if run.status != 0 && geteuid() == 0 {
            // Package lists older than the mirror name versions it no longer has: refresh them once.
            _ = try ProcessRunner.run("/usr/bin/apt-get", ["update", "-qq"])
            run = try download()
        }
        guard run.status == 0 else { throw CLIFailed(arguments: ["apt-get", "download"] + names, status: run.status, stderr: run.stderr) }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        var found: [String: String] = [:]
        for name in names {
            guard let file = files.first(where: { $0.hasPrefix(name + "_") && $0.hasSuffix(".deb") }) else {
                throw CLIFailed(arguments: ["apt-get", "download", name], status: 0, stderr: "no \(name)_*.deb in \(files)")
            }
            found[name] = folder.appendingPathComponent(file).path
        }
        return found
    }

    func json(_ run: ProcessRunner.Run) throws -> AuditReport {
        try AuditReport.decode(run.stdout)
    }

    static func validate(_ path: String) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/env", ["python3", "-c", Formats.validator, Repository.path("docs/audit-schema.json"), path])
    }

    // MARK: Fixtures

    @Test func theFixturesInText() throws {
        let built = try AuditFixtures.get()
        let run = try CLI.run(["audit", built.folder])
        #expect(run.status == 0, "\(run.stderr)")
        let text = run.output
        for line in text.split(separator: "\n") {
            #expect(line.count <= 80, "\(line.count) columns: \(line)")
        }
        #expect(text.contains("CLASS                OPENSSL  FILE "), "\(text)")
        // The fixtures' names are long: at 80 columns the evidence is cut, and `--wide` shows it whole.
        #expect(text.contains("--wide shows all"), "\(text)")
        let wide = try CLI.run(["audit", "--wide", built.folder]).output
        for row in ["affected-pattern     3.x      affected-pattern     create,ctrl,destroy; data set+get",
                    "inherits-socket-bio  3.x      inherits-socket-bio  create,ctrl,destroy; ex_data",
                    "embedded-openssl     -        embedded-openssl     bundles: OpenSSL 3.",
                    "own-bio              3.x      own-bio              new+set_create; data set+get"] {
            #expect(wide.contains(row), "no row \(row) in\n\(wide)")
        }
        #expect(!wide.contains("--wide shows all"), "\(wide)")
        #expect(!text.contains("not-openssl  "), "not-openssl files are counted, not listed")
        let unwrapped = text.replacingOccurrences(of: "\n  ", with: " ")
        #expect(unwrapped.contains("6 files: 1 affected-pattern, 1 inherits-socket-bio, 0 error, 1 embedded-openssl, 1 own-bio,"))
        #expect(text.hasPrefix("Verdict: AFFECTED"))
        // What to do, once for each class with findings: four classes, four pieces of advice.
        let flat = text.replacingOccurrences(of: "\n +", with: " ", options: .regularExpression)
        #expect(flat.components(separatedBy: "what to do: ").count - 1 == 4, "\(text)")
        #expect(flat.contains("what to do: " + AuditClass.affectedPattern.advice), "\(text)")
        #expect(flat.contains("what to do: " + AuditClass.embeddedOpenSSL.advice), "\(text)")
        let quiet = try CLI.run(["audit", "--quiet", built.folder])
        #expect(quiet.output.split(separator: "\n").count == 1 && quiet.output.hasPrefix("Verdict: AFFECTED"))
    }

    @Test func failOnSetsTheExitCode() throws {
        let built = try AuditFixtures.get()
        let cases: [([String], Int32)] = [
            ([built.path("affected-pattern")], 0),
            ([built.path("affected-pattern"), "--fail-on", "affected-pattern"], 1),
            ([built.path("inherits-socket-bio"), "--fail-on", "affected-pattern"], 0),
            ([built.path("inherits-socket-bio"), "--fail-on", "inherits-socket-bio"], 1),
            ([built.path("affected-pattern"), "--fail-on", "inherits-socket-bio"], 1),
            ([built.path("own-bio"), built.path("embedded-openssl"), "--fail-on", "inherits-socket-bio"], 0),
        ]
        for (arguments, status) in cases {
            let run = try CLI.run(["audit"] + arguments)
            #expect(run.status == status, "audit \(arguments.joined(separator: " ")): \(run.status) \(run.stderr)")
        }
        let usage = try CLI.run(["audit", "--fail-on", "own-bio", built.folder])
        #expect(usage.status == 2 && usage.stderr.contains("'affected-pattern' and 'inherits-socket-bio'"), "\(usage.stderr)")
        let none = try CLI.run(["audit"])
        #expect(none.status == 2 && none.stderr.contains("at least one path"), "\(none.stderr)")
    }

    @Test func jsonFollowsTheSchemaAndTheSchemaRefusesWhatItDoesNotDescribe() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-json")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.json").path
        let run = try CLI.run(["audit", built.folder, built.i386Affected, "/nonexistent/tlsprobe", "--format", "json", "--output", path,
                               "--fail-on", "affected-pattern"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.output.contains("CLASS") && run.output.contains("Verdict:"), "the terminal still gets the text")
        let valid = try Self.validate(path)
        #expect(valid.status == 0, "\(valid.transcript)")
        let report = try AuditReport.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(report.schemaVersion == AuditReport.currentSchemaVersion && report.failOn == .affectedPattern)
        #expect(report.files.count == AuditFixtures.classes.count + 2)
        #expect(report.summary[.affectedPattern] == 2 && report.summary[.error] == 1)

        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let breakages: [(String, ([String: Any]) -> [String: Any])] = [
            ("unknown class", { var o = $0; var f = o["files"] as! [[String: Any]]; f[0]["class"] = "fine"; o["files"] = f; return o }),
            ("undocumented field", { var o = $0; var f = o["files"] as! [[String: Any]]; f[0]["score"] = 3; o["files"] = f; return o }),
            ("error without its reason", { var o = $0; var f = o["files"] as! [[String: Any]]; f[0]["class"] = "error"; o["files"] = f; return o }),
            ("a class missing from the summary", { var o = $0; var s = o["summary"] as! [String: Any]; s["own-bio"] = nil; o["summary"] = s; return o }),
            ("another schema version", { var o = $0; o["schemaVersion"] = 2; return o }),
        ]
        for (name, breakage) in breakages {
            object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let broken = folder.appendingPathComponent("broken.json").path
            try JSONSerialization.data(withJSONObject: breakage(object)).write(to: URL(fileURLWithPath: broken))
            let result = try Self.validate(broken)
            #expect(result.status == 1, "\(name) passed the schema: \(result.transcript)")
        }
    }

    @Test func junitAndMarkdown() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-junit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.xml").path
        let run = try CLI.run(["audit", built.folder, "--format", "junit", "--output", path])
        #expect(run.status == 0, "\(run.stderr)")
        let lint = try Formats.xmllint(["--noout", "--schema", Formats.junitSchema, path])
        #expect(lint.status == 0, "\(lint.transcript)")
        #expect(try Formats.xpath("count(//testcase)", in: path) == "\(AuditFixtures.classes.count)")
        #expect(try Formats.xpath("count(//testcase/failure)", in: path) == "1", "affected-pattern is a failure")
        #expect(try Formats.xpath("string(//testcase[failure]/@classname)", in: path) == "affected-pattern")

        let markdown = try CLI.run(["audit", built.folder, "--format", "markdown"])
        #expect(markdown.status == 0)
        #expect(markdown.output.hasPrefix("# tlsprobe audit: AFFECTED"))
        #expect(markdown.output.contains("| ✗ `affected-pattern` |"))
        #expect(markdown.output.contains("| class | file | OpenSSL |"), "no empty first column")
        #expect(markdown.output.contains("- `inherits-socket-bio`: works today"), "\(markdown.output)")
        #expect(markdown.output.contains("<details><summary>Evidence per file</summary>"))
    }

    // MARK: Bad input

    @Test func badInputsAreErrorsAndTheOtherFilesAreStillAudited() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("loop"), withIntermediateDirectories: true)
        let good = try Data(contentsOf: URL(fileURLWithPath: built.path("affected-pattern")))
        try good.prefix(good.count / 3).write(to: tree.appendingPathComponent("truncated"))
        var wrongClass = good
        wrongClass[4] = 9
        try wrongClass.write(to: tree.appendingPathComponent("wrong-class"))
        try FileManager.default.copyItem(atPath: built.i386Affected, toPath: tree.appendingPathComponent("i386.so").path)
        try FileManager.default.copyItem(atPath: built.path("own-bio"), toPath: tree.appendingPathComponent("own-bio").path)
        let unreadable = tree.appendingPathComponent("unreadable").path
        try good.write(to: URL(fileURLWithPath: unreadable))
        #expect(chmod(unreadable, 0) == 0)
        // A directory loop through a symlink: never followed, so it cannot trap the walk.
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("loop/back").path, withDestinationPath: "..")
        let corrupt = folder.appendingPathComponent("corrupt.deb").path
        try Data("!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n".utf8).write(to: URL(fileURLWithPath: corrupt))

        // As root, read permission is not checked: drop the capabilities that bypass it.
        let wrapper = geteuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search"] : []
        let run = try CLI.run(["audit", tree.path, corrupt, "--format", "json"], through: wrapper)
        #expect(run.status == 2, "\(run.stderr)")
        let report = try json(run)
        func file(_ name: String) -> AuditedFile? { report.files.first { $0.path.hasSuffix("/" + name) || $0.path == name } }
        #expect(file("truncated")?.error?.hasPrefix("truncated:") == true, "\(String(describing: file("truncated")))")
        #expect(file("wrong-class")?.error?.contains("invalid ELF class 9") == true)
        #expect(file("unreadable")?.error?.contains("EACCES") == true, "\(String(describing: file("unreadable")))")
        #expect(report.files.first { $0.package == corrupt }?.error?.contains("no data.tar member") == true, "\(report.files.map(\.path))")
        #expect(file("i386.so")?.class == .affectedPattern && file("i386.so")?.elf.bits == 32)
        #expect(file("own-bio")?.class == .ownBIO)
        #expect(report.skipped.symlinkLoops == 1)
        #expect(run.stderr.contains("truncated: ") && run.stderr.contains("corrupt.deb: no data.tar member: not a Debian package"), "\(run.stderr)")
    }

    // MARK: Real packages

    @Test func realDebianPackages() throws {
        let debs = try Self.downloaded.get()
        let scratch = try Repository.scratch("audit-tmp")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // TMPDIR: the private folders dpkg-deb unpacks into go here, and must be gone afterwards.
        let run = try CLI.run(["audit", "--format", "json"] + Self.realPackages.map { debs[$0.package]! },
                              environment: ["TMPDIR": scratch.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try json(run)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "unpacked folders left behind")
        for real in Self.realPackages {
            let deb = debs[real.package]!
            let file = try #require(report.files.first { $0.package == deb && $0.path == "\(deb):\(real.file)" },
                                    "\(real.file) not in \(real.package): \(report.files.filter { $0.package == deb }.map(\.path))")
            #expect(file.class == real.class, "\(real.package) \(real.file): \(file.class)")
            #expect(file.elf.needs.contains("libssl.so.3") || file.elf.needs.contains("libcrypto.so.3"))
            #expect(file.elf.symbolVersions.contains("OPENSSL_3.0.0") && file.elf.symbolVersions.allSatisfy { $0.hasPrefix("OPENSSL_3.") },
                    "\(file.elf.symbolVersions)")
        }
        // openssl ships scripts and configuration too: skipped quietly, counted.
        #expect(report.skipped.notELF > 0)
    }

    /// What tlsprobe reads through libelf is what binutils' objdump shows.
    @Test func realPackageImportsMatchObjdump() throws {
        let debs = try Self.downloaded.get()
        let folder = try Repository.scratch("audit-objdump")
        defer { try? FileManager.default.removeItem(at: folder) }
        let deb = debs["trafficserver"]!
        let unpack = try ProcessRunner.run("/usr/bin/dpkg-deb", ["-x", deb, folder.path])
        #expect(unpack.status == 0, "\(unpack.stderr)")
        let binary = folder.path + "/usr/bin/traffic_server"
        let dump = try ProcessRunner.run("/usr/bin/objdump", ["-T", binary])
        try #require(dump.status == 0, "\(dump.stderr)")
        // "0000000000000000      DF *UND*	0000000000000000 (OPENSSL_3.0.0) BIO_meth_get_create"
        var expected: [String: String] = [:]
        for line in dump.output.split(separator: "\n") where line.contains("*UND*") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard let name = fields.last.map(String.init), name.hasPrefix("BIO_meth_get_") || ["BIO_s_socket", "BIO_meth_new", "BIO_meth_set_create",
                  "BIO_set_data", "BIO_get_data", "BIO_get_ex_data", "BIO_set_ex_data"].contains(name) else { continue }
            expected[name] = String(fields[fields.count - 2]).trimmingCharacters(in: CharacterSet(charactersIn: "()"))
        }
        let run = try CLI.run(["audit", "--format", "json", binary])
        let report = try json(run)
        let file = try #require(report.files.first)
        #expect(Dictionary(uniqueKeysWithValues: file.elf.imports.map { ($0.symbol, $0.version ?? "") }) == expected)
        #expect(file.elf.imports.allSatisfy { $0.isBound }, "\(file.elf.imports)")
    }

    // MARK: gate --audit

    @Test func gateJoinsTheAuditToItsConditions() throws {
        let built = try AuditFixtures.get()
        let axes = ["--family", "ipv4", "--tfo", "off", "--phase", "handshake"]
        let failing = try CLI.run(["gate"] + axes + ["--audit", built.path("affected-pattern"), built.path("own-bio")])
        #expect(failing.status == 1, "\(failing.output)\(failing.stderr)")
        #expect(failing.output.contains("PASS require proxy-core"), "\(failing.output)")
        #expect(failing.output.contains("FAIL audit: 1 of 2 ELF files fail --fail-on affected-pattern: \(built.path("affected-pattern")) (affected-pattern)"),
                "\(failing.output)")

        let passing = try CLI.run(["gate"] + axes + ["--audit", built.path("inherits-socket-bio"), built.path("own-bio")])
        #expect(passing.status == 0, "\(passing.output)\(passing.stderr)")
        #expect(passing.output.contains("PASS audit: no file is affected-pattern among 2 ELF files"), "\(passing.output)")

        let strict = try CLI.run(["gate"] + axes + ["--audit", built.path("inherits-socket-bio"), "--fail-on", "inherits-socket-bio"])
        #expect(strict.status == 1 && strict.output.contains("FAIL audit:"), "\(strict.output)")

        let folder = try Repository.scratch("audit-gate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let xml = folder.appendingPathComponent("gate.xml").path
        let unread = try CLI.run(["gate"] + axes + ["--audit", "/nonexistent/tlsprobe", "--format", "junit", "--output", xml])
        #expect(unread.status == 1 && unread.output.contains("FAIL audit: cannot tell"), "\(unread.output)")
        #expect(try Formats.xpath("string(//testsuite[@name='gate']/testcase[@name='audit']/failure/@type)", in: xml) == "gate")

        // The audit verdict joins the gate object of the matrix report, which keeps to its schema.
        let json = folder.appendingPathComponent("gate.json").path
        let withJSON = try CLI.run(["gate"] + axes + ["--audit", built.path("own-bio"), "--format", "json", "--output", json])
        #expect(withJSON.status == 0, "\(withJSON.output)\(withJSON.stderr)")
        let gate = try Report.decode(Data(contentsOf: URL(fileURLWithPath: json))).gate
        #expect(gate?.verdicts.last?.condition == "audit" && gate?.verdicts.last?.passed == true)
        let valid = try Formats.validateJSON(json)
        #expect(valid.status == 0, "\(valid.transcript)")

        let usage = try CLI.run(["gate", "--fail-on", "inherits-socket-bio"])
        #expect(usage.status == 2 && usage.stderr.contains("--audit"), "\(usage.stderr)")
    }
}
