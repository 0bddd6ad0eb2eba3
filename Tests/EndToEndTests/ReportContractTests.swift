import Foundation
import Matrix
import MatrixAnalysis
import MatrixModel
import TestSupport
import Testing

/// What a CI owner and a maintainer rely on: every kind of JSON matches the schema,
/// a gate's files agree with its exit code, the text fits 80 columns, the Markdown
/// fits an issue, and the verdict says how to see the regression where it cannot show.
@Suite struct ReportContractTests {
    /// Runs `arguments` (which must write `--output FILE` as JSON) and validates FILE.
    static func validate(_ arguments: [String], allowing statuses: Set<Int32> = [0, 1]) throws -> Report {
        let folder = try Repository.scratch("contract")
        let file = folder.appendingPathComponent("report.json").path
        let run = try CLI.run(arguments + ["--format", "json", "--output", file])
        #expect(statuses.contains(run.status), "\(arguments): exit \(run.status): \(run.stderr)")
        let validation = try Formats.validateJSON(file)
        #expect(validation.status == 0, "\(arguments) does not match docs/report-schema.json: \(validation.output)")
        return try Report.decode(Data(contentsOf: URL(fileURLWithPath: file)))
    }

    @Test func jsonOfEveryKindOfRunMatchesTheSchema() throws {
        let trixie = try Runtimes.fetch("trixie")
        let sid = try Runtimes.fetch("sid")
        _ = try Self.validate(["matrix"])
        let several = try Self.validate(["matrix", "--runtime", "system", "--runtime", trixie, "--runtime", sid])
        #expect(several.runtimes.count == 3)
        let teardown = try Self.validate(["matrix", "--runtime", trixie, "--phase", "teardown"])
        #expect(teardown.cells.allSatisfy { $0.phase == .teardown })
        let gate = try Self.validate(["gate", "--runtime", trixie, "--fail-if-affected"], allowing: [1])
        #expect(gate.gate?.exitCode == 1)
        if NetworkNamespace.unavailableReason() == nil {
            let kernel = try Self.validate(["matrix", "--runtime", "system", "--kernel-tfo", "0,3", "--mode", "legacy-fastopen", "--mode", "proxy-core"])
            #expect(kernel.cells.contains { $0.name.hasSuffix("/kernel-tfo-3") })
        }
        // A merged report of two runs, and a merge of that with a third.
        let folder = try Repository.scratch("contract")
        var inputs: [String] = []
        for (index, runtime) in ["system", trixie].enumerated() {
            let path = folder.appendingPathComponent("in\(index).json").path
            let run = try CLI.run(["matrix", "--runtime", runtime, "--mode", "legacy-fastopen", "--format", "json", "--output", path])
            #expect(run.status == 0, "\(run.stderr)")
            inputs.append(path)
        }
        let merged = try Self.validate(["merge"] + inputs, allowing: [0])
        #expect(merged.runtimes.count == 2)
    }

    @Test func envJSONHasASchemaVersionAndStructuredFacts() throws {
        let run = try CLI.run(["env", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == Report.currentSchemaVersion)
        let connect = try #require(object["tcpFastOpenConnect"] as? [String: Any], "a state, not free text")
        #expect(["available", "disabled", "absent"].contains(connect["state"] as? String ?? ""))
        #expect(object["ipv6Loopback"] is Bool)
        // The rest is exactly the report's environment object.
        let folder = try Repository.scratch("contract")
        let file = folder.appendingPathComponent("env.json").path
        var facts = object
        facts.removeValue(forKey: "schemaVersion")
        try JSONSerialization.data(withJSONObject: facts).write(to: URL(fileURLWithPath: file))
        let check = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            environment = dict(schema["$defs"]["environment"], **{"$defs": schema["$defs"]})
            errors = list(jsonschema.Draft202012Validator(environment).iter_errors(json.load(open(sys.argv[2]))))
            for error in errors[:5]: print(error.json_path, error.message[:200])
            sys.exit(1 if errors else 0)
            """
        let validation = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", check, Formats.reportSchema, file])
        #expect(validation.status == 0, "\(validation.output)\(validation.stderr)")
    }

    /// The same gate run, three files and an exit code: all say pass, or all say fail.
    @Test(arguments: [false, true])
    func gateFilesAgreeWithTheExitCode(_ failing: Bool) throws {
        let trixie = try Runtimes.fetch("trixie")
        let folder = try Repository.scratch("contract")
        let base = ["gate", "--runtime", "system", "--runtime", trixie] + (failing ? ["--require", "legacy-fastopen"] : [])
        var statuses: Set<Int32> = []
        for format in ["junit", "json", "markdown"] {
            let file = folder.appendingPathComponent("gate.\(format)").path
            let run = try CLI.run(base + ["--format", format, "--output", file])
            statuses.insert(run.status)
            #expect(run.status == (failing ? 1 : 0), "\(format): exit \(run.status): \(run.stderr)")
        }
        #expect(statuses.count == 1)
        let junit = folder.appendingPathComponent("gate.junit").path
        #expect(try Formats.xmllint(["--noout", "--schema", Formats.junitSchema, junit]).status == 0)
        let failures = Int(try Formats.xpath("string(/testsuites/@failures)", in: junit)) ?? -1
        let gateFailures = Int(try Formats.xpath("string(//testsuite[@name='gate']/@failures)", in: junit)) ?? -1
        if failing {
            #expect(gateFailures >= 1 && failures >= 1, "a failing gate must fail its JUnit: \(gateFailures), \(failures)")
        } else {
            // The reproductions on trixie fail by design and are reported, not counted.
            #expect(failures == 0, "a passing gate's JUnit has \(failures) failures")
            let expected = try Formats.xpath("count(//system-out[starts-with(., 'expected in this gate run')])", in: junit)
            #expect((Double(expected) ?? 0) >= 1, "the reproductions are reported as expected")
        }
        let json = try Report.decode(Data(contentsOf: folder.appendingPathComponent("gate.json")))
        #expect(json.gate?.exitCode == (failing ? 1 : 0))
        #expect(json.gate?.passed == !failing)
        let markdown = try String(contentsOf: folder.appendingPathComponent("gate.markdown"), encoding: .utf8)
        #expect(markdown.contains(failing ? "### Gate: FAILED (exit 1)" : "### Gate: passed (exit 0)"))
    }

    /// Piped, the text fits 80 columns; --wide has every column; --quiet is the verdict alone.
    @Test func theTextFitsEightyColumnsUnlessAskedOtherwise() throws {
        let trixie = try Runtimes.fetch("trixie")
        let narrow = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie])
        #expect(narrow.status == 0, "\(narrow.stderr)")
        let long = narrow.output.split(separator: "\n").filter { $0.count > 80 }
        #expect(long.isEmpty, "lines over 80 columns: \(long)")
        let lines = narrow.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("Verdict: AFFECTED: ") == true)
        #expect(lines.count <= 60, "the short report is at most 60 lines: \(lines.count)")
        #expect(narrow.output.contains("\n  - ATS ≤ 9.2.4 fast-open BIO (legacy-fastopen): AFFECTED on OpenSSL 3.5"), "a verdict line per design")
        #expect(!narrow.output.contains("OUTCOME"), "the per-cell tables need --cells")
        let cells = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--cells"])
        #expect(cells.output.contains("OUTCOME") && !cells.output.split(separator: "\n").contains { $0.count > 80 })
        #expect(cells.output.contains("\nVerdict: "), "with the cells, the verdict is also last")
        let wide = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--wide"])
        #expect(wide.output.contains("OPENSSL MEMORY"))
        #expect(wide.output.split(separator: "\n").contains { $0.count > 80 })
        let quiet = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--quiet"])
        let quietLines = quiet.output.split(separator: "\n")
        #expect(quietLines.count == 1 && quietLines[0].hasPrefix("Verdict: AFFECTED: 4 of 4 designs on OpenSSL 3.5"), "\(quiet.output)")
        #expect(quietLines[0].count <= "Verdict: ".count + Verdict.titleLimit, "\(quiet.output)")
    }

    /// Whether `text` holds a colour (SGR) escape sequence: ESC [ digits and semicolons, m.
    static func coloured(_ text: String) -> Bool {
        text.range(of: "\u{1B}\\[[0-9;]*m", options: .regularExpression) != nil
    }

    /// Colour only where it is wanted: never piped, never with NO_COLOR or TERM=dumb, always with --color always.
    @Test func colourFollowsTheTerminalAndTheUser() throws {
        let arguments = ["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off"]
        #expect(!Self.coloured(try CLI.run(arguments).output), "piped")
        #expect(Self.coloured(try CLI.run(arguments + ["--color", "always"]).output))
        // On a terminal (util-linux script gives one): colour unless NO_COLOR or TERM=dumb.
        // `env -u NO_COLOR` first: the test runner may have set it for its own children.
        func onTerminal(_ settings: [String]) throws -> String {
            let command = ([Repository.binary] + arguments).joined(separator: " ")
            return try ProcessRunner.run("/usr/bin/env", ["-u", "NO_COLOR"] + settings + ["/usr/bin/script", "-qec", command, "/dev/null"]).output
        }
        let xterm = try onTerminal(["TERM=xterm"])
        #expect(Self.coloured(xterm), "\(xterm.debugDescription)")
        let dumb = try onTerminal(["TERM=dumb"])
        #expect(!dumb.contains("\u{1B}"), "a dumb terminal gets no escape at all, progress line included")
        #expect(!Self.coloured(try onTerminal(["TERM=xterm", "NO_COLOR=1"])))
    }

    /// Three runtimes over three tcp_fastopen values fit GitHub's 65,536-character issue body.
    @Test func theLargestMarkdownFitsAnIssue() throws {
        try #require(NetworkNamespace.unavailableReason() == nil, "needs CAP_SYS_ADMIN and CAP_NET_ADMIN (CI is root)")
        let trixie = try Runtimes.fetch("trixie")
        let sid = try Runtimes.fetch("sid")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--runtime", sid,
                               "--kernel-tfo", "0,1,3", "--format", "markdown"])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        #expect(run.stdout.count <= 65_536, "\(run.stdout.count) bytes")
        let markdown = run.output
        #expect(markdown.hasPrefix("## tlsprobe: "))
        #expect(markdown.contains("### Matrix at a glance"))
        #expect(markdown.contains("### Diagnosis"))
    }

    /// Where no runtime's socket BIO owns its data pointer (OpenSSL before 3.2, as bookworm's
    /// 3.0), the verdict says the regression cannot show and how to see it; where one does, it does not.
    @Test func theVerdictSaysHowToSeeTheRegressionWhereItCannotShow() throws {
        let bookworm = try Runtimes.fetch("bookworm")
        let before = try CLI.run(["matrix", "--runtime", bookworm])
        #expect(before.status == 0, "\(before.stderr)")
        let unwrapped = before.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(unwrapped.contains("the regression cannot show here; to see it: tlsprobe matrix --runtime system --runtime trixie"), "\(before.output)")
        let trixie = try Runtimes.fetch("trixie")
        let after = try CLI.run(["matrix", "--runtime", trixie])
        #expect(!after.output.contains("cannot show"), "\(after.output)")
        #expect(after.output.contains("AFFECTED"), "\(after.output)")
    }
}
