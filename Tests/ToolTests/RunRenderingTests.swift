import Foundation
@testable import MatrixAnalysis
@testable import MatrixModel
@testable import ReportRendering
@testable import RunModel
import Testing
import TestSupport

/// `tlsprobe run`'s report in every format: the reviewed renderings (Golden/run-*),
/// the evidence each must carry, and the JSON read back as the gate reads it.
@Suite struct RunRenderingTests {
    let proxy = RunReportFixture.proxy()
    let curl = RunReportFixture.curl()

    // MARK: Golden files

    @Test func textRendering() throws {
        try Golden.expect(RunTextRenderer(color: false).render(proxy), matches: "run-proxy.txt")
        try Golden.expect(RunTextRenderer(color: false).render(curl), matches: "run-curl.txt")
    }

    @Test func markdownRendering() throws {
        try Golden.expect(RunMarkdownRenderer().render(proxy), matches: "run-proxy.md")
    }

    @Test func junitRendering() throws {
        try Golden.expect(RunJUnitRenderer().render(proxy), matches: "run-proxy.xml")
    }

    // MARK: What each rendering must say

    @Test func textNamesEachFirstWriteAndWhatACorrectCallPasses() {
        let text = RunTextRenderer(color: false, wide: true).render(proxy)
        #expect(text.hasPrefix("Verdict: trixie: AFFECTED on OpenSSL 3.5.4"))
        #expect(text.contains("pid 4242 fd 31 (ipv4, no peer): sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL (a correct call passes 16)"))
        #expect(text.contains("pid 5151 fd 31 → 127.0.0.1:8443: write() = 517"))
        #expect(text.contains("loaded: OpenSSL 3.5.4 30 Sep 2025 from <cache>/runtimes/trixie/libssl.so.3 (pid 4242)"))
        #expect(text.contains("request: GET http://127.0.0.1:8080/ → 502 (HTTP/1.1 502 Bad Gateway)"))
        #expect(text.contains("exit: SIGABRT, free(): invalid pointer"))
        #expect(text.contains("    free(): invalid pointer"), "the stderr tail, indented")
        #expect(text.contains("\n[experimental] unsupported: the program loads libssl.so.3; experimental provides libssl.so.4\n"))
        #expect(text.contains("\n[bookworm] ok\n"))
    }

    @Test func aLibsslOtherThanTheRuntimesIsNamed() {
        var result = RunReportFixture.ok("http://127.0.0.1:8080/")
        result.outcome = .unobservable
        result.verdict = "unobservable: the program loaded /usr/lib/x86_64-linux-gnu/libssl.so.3, not bookworm's"
        result.processes = [ObservedProcess(pid: 9, libssl: ["/usr/lib/x86_64-linux-gnu/libssl.so.3"]), ObservedProcess(pid: 10)]
        var report = proxy
        report.results = [result]
        let text = RunTextRenderer(color: false, wide: true).render(report)
        #expect(text.contains("[bookworm] unobservable: the program loaded"))
        #expect(text.contains("loaded: /usr/lib/x86_64-linux-gnu/libssl.so.3, its version not read (pid 9)"))
        #expect(text.contains("loaded: no libssl loaded (pid 10)"))
        #expect(text.contains("loaded /usr/lib/x86_64-linux-gnu/libssl.so.3, not the runtime's <cache>/runtimes/bookworm/libssl.so.3"))
        #expect(RunJUnitRenderer().render(report).contains(#"type="unobservable""#), "unobservable fails")
    }

    @Test func textFitsItsWidthUnlessWide() {
        let text = RunTextRenderer(color: false, width: 60).render(proxy)
        let long = text.split(separator: "\n").filter { $0.count > 60 }
        #expect(long.isEmpty, "\(long)")
        #expect(RunTextRenderer(color: false, wide: true, width: 60).render(proxy).split(separator: "\n").contains { $0.count > 60 })
    }

    @Test func colorOnlyWhenAsked() {
        #expect(!RunTextRenderer(color: false).render(proxy).contains("\u{1B}"))
        let colored = RunTextRenderer(color: true).render(proxy)
        #expect(colored.hasPrefix("\u{1B}[1;31mVerdict: "), "a failing run's verdict in red")
        #expect(colored.contains("[trixie] \u{1B}[31mAFFECTED\u{1B}[0m on OpenSSL 3.5.4: "))
        #expect(colored.contains("[bookworm] \u{1B}[32mok\u{1B}[0m\n"))
        #expect(RunTextRenderer(color: true).renderVerdict(curl).hasPrefix("\u{1B}[1;32mVerdict: system: ok"))
    }

    @Test func theVerdictAloneIsOneLine() {
        let verdict = RunTextRenderer(color: false, width: 40).renderVerdict(proxy)
        #expect(verdict == "Verdict: \(proxy.verdict)\n")
    }

    @Test func aProgramsOutputCannotDriveTheTerminal() {
        var report = proxy
        report.results[0].exit?.stderrTail = ["\u{1B}]0;owned\u{07}\u{1B}[2J", "fine"]
        report.results[0].verdict = "AFFECTED\u{1B}[0m"
        let text = RunTextRenderer(color: false).render(report)
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("\\x1B]0;owned\\x07\\x1B[2J"))
        let markdown = RunMarkdownRenderer().render(report)
        #expect(!markdown.contains("\u{1B}"))
        let junit = RunJUnitRenderer().render(report)
        #expect(!junit.contains("\u{1B}"))
    }

    @Test func markdownTablesAreWellFormed() {
        for report in [proxy, curl, RunReportFixture.nothingRan()] {
            let markdown = RunMarkdownRenderer().render(report)
            #expect(MarkdownTables.problems(in: markdown).isEmpty, "\(MarkdownTables.problems(in: markdown))")
            // The runtimes and the environment.
            #expect(MarkdownTables.tables(in: markdown).count == 2)
        }
    }

    @Test func markdownDiagnosesOnlyFromTheWritesEvidence() {
        let affected = RunMarkdownRenderer().render(proxy)
        #expect(affected.hasPrefix("## tlsprobe run: AFFECTED\n"))
        #expect(affected.contains("On OpenSSL 3.5.4 (`trixie`), the program's first TLS write on 1 socket was `sendto` with `MSG_FASTOPEN` passing a destination of length 0 where the socket's family needs 16; the kernel answered EINVAL."))
        #expect(affected.contains("since OpenSSL 3.2 the socket BIO owns that pointer"))
        #expect(affected.contains("On OpenSSL 3.0.17 (`bookworm`) the same program was ok."))
        #expect(affected.contains("(https://github.com/apache/trafficserver/issues/11465)"))
        #expect(affected.contains("crashed on OpenSSL 3.6.0 (`sid, tcp_fastopen=5`)"))
        // The same crash without a write of the wrong length: no regression named.
        var crashOnly = proxy
        crashOnly.results.removeAll { $0.outcome == .affected }
        let markdown = RunMarkdownRenderer().render(crashOnly)
        #expect(markdown.hasPrefix("## tlsprobe run: FAILED\n"))
        #expect(!markdown.contains("That is the OpenSSL 3.2 socket-BIO data-pointer regression"))
        #expect(markdown.contains("The crash is consistent with that mechanism, not proof of it"))
        #expect(markdown.contains("**What to do:**"))
        // A failure with neither signature: nothing named, nothing advised.
        crashOnly.results[1].exit?.glibcMessage = nil
        let plain = RunMarkdownRenderer().render(crashOnly)
        #expect(plain.contains("No first TLS write passed a destination of the wrong length"))
        #expect(!plain.contains("**What to do:**"))
        #expect(RunMarkdownRenderer().render(curl).contains("No finding: no first TLS write passed a destination of the wrong length."))
    }

    @Test func markdownStaysUnderGitHubsLimit() {
        var report = proxy
        let line = String(repeating: "x", count: 1000)
        report.results[0].exit?.stderrTail = Array(repeating: line, count: 80)
        report.results[1].exit?.stderrTail = Array(repeating: line, count: 80)
        let markdown = RunMarkdownRenderer().render(report)
        #expect(markdown.utf8.count <= MarkdownRenderer.limit)
        #expect(markdown.contains("left out to stay under GitHub's"))
        #expect(markdown.contains("That is the OpenSSL 3.2 socket-BIO data-pointer regression"), "the diagnosis stays")
    }

    @Test func junitFailsFailuresAndSkipsWhatCouldNotRun() throws {
        let junit = RunJUnitRenderer().render(proxy)
        #expect(junit.contains(#"<testsuites name="tlsprobe run" tests="4" failures="2" errors="0" skipped="1""#))
        #expect(junit.contains(#"<failure message="AFFECTED on OpenSSL 3.5.4: sendto(MSG_FASTOPEN) address length 0 → EINVAL; request → 502" type="affected">"#))
        #expect(junit.contains(#"<failure message="crashed (SIGABRT, free(): invalid pointer)" type="crashed">"#))
        #expect(junit.contains(#"<skipped message="unsupported: the program loads libssl.so.3; experimental provides libssl.so.4"/>"#))
        #expect(junit.contains("<system-err>[Dec  7 18:01:05.870] [ET_NET 0] NOTE: TLS handshake with 127.0.0.1:8443 complete\nfree(): invalid pointer</system-err>"))
    }

    @Test func junitValidatesAgainstTheSchema() throws {
        let folder = try Repository.scratch("run-junit")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, report) in [("proxy", proxy), ("curl", curl), ("nothing", RunReportFixture.nothingRan())] {
            let path = folder.appendingPathComponent("\(name).xml").path
            try RunJUnitRenderer().render(report).write(toFile: path, atomically: true, encoding: .utf8)
            let run = try ProcessRunner.run("/usr/bin/xmllint", ["--noout", "--schema", Repository.path("docs/junit.xsd"), path])
            #expect(run.status == 0, "\(name): \(run.output) \(run.stderr)")
        }
    }

    // MARK: JSON

    @Test func jsonRoundTripsThroughTheGatesReader() throws {
        for report in [proxy, curl, RunReportFixture.nothingRan()] {
            let json = try JSONCoding.document(report)
            #expect(json.contains(#""kind" : "run""#))
            let read = try RunReportReader.read(Data(json.utf8), source: "run.json")
            #expect(read == report)
            #expect(try JSONCoding.document(read) == json, "the same report gives the same bytes")
        }
    }

    @Test func theReaderRefusesWhatIsNoRunReport() throws {
        func refusal(_ data: Data) -> String {
            do {
                _ = try RunReportReader.read(data, source: "x.json")
                return "accepted"
            } catch {
                return error.description
            }
        }
        let matrix = try ReportFixture.report().jsonData()
        #expect(refusal(matrix).hasPrefix("x.json: a matrix report (tlsprobe matrix or gate --format json), not a run report"), "\(refusal(matrix))")
        #expect(refusal(Data("{\"cells\": [".utf8)).hasPrefix("x.json: malformed JSON"), "\(refusal(Data("{\"cells\": [".utf8)))")
        #expect(refusal(Data("[1, 2]".utf8)).hasPrefix("x.json: not a tlsprobe run report"), "\(refusal(Data("[1, 2]".utf8)))")
        #expect(refusal(Data("{}".utf8)).contains("it has no \"kind\": \"run\""))
        let json = try JSONCoding.document(proxy)
        let future = json.replacingOccurrences(of: #""schemaVersion" : 1"#, with: #""schemaVersion" : 99"#)
        #expect(refusal(Data(future.utf8)).contains("a run report with schemaVersion 99, not the one this tlsprobe"))
        let broken = json.replacingOccurrences(of: #""outcome" : "affected""#, with: #""outcome" : "wobbly""#)
        #expect(refusal(Data(broken.utf8)).hasPrefix("x.json: not a valid schemaVersion 1 run report: "), "\(refusal(Data(broken.utf8)))")
        #expect(refusal(Data(count: ReportMerger.sizeLimit + 1)).contains("more than any report tlsprobe writes"))
    }

    // MARK: The gate's run condition

    @Test func theGateFailsOnAnyFailingRuntimeNamingItsVerdict() throws {
        let gate = Gate(requiredModes: [], runReports: ["proxy.json", "curl.json"])
        let verdicts = gate.evaluate(ReportFixture.report(), runs: [Gate.RunInput(source: "curl.json", report: curl),
                                                                    Gate.RunInput(source: "proxy.json", report: proxy)])
        try #require(verdicts.count == 2)
        #expect(verdicts[0].condition == "run proxy.json")
        #expect(!verdicts[0].passed)
        #expect(verdicts[0].detail == "/opt/ts/bin/traffic_server failed on 2 of 4 runtimes: trixie: \(proxy.results[0].verdict), sid, tcp_fastopen=5: crashed (SIGABRT, free(): invalid pointer)")
        #expect(verdicts[1].condition == "run curl.json")
        #expect(verdicts[1].passed)
        #expect(verdicts[1].detail == "/usr/bin/curl ok on system; not run on bullseye: unsupported: the program loads libssl.so.3 (through libcurl.so.4); bullseye provides libssl.so.1.1")
    }

    @Test func aRunOnNoRuntimeFailsUnlessSkippedIsAllowed() {
        let nothing = RunReportFixture.nothingRan()
        let strict = Gate.run(nothing, source: "n.json", allowSkipped: false)
        #expect(!strict.passed)
        #expect(strict.detail.hasSuffix("; --allow-skipped accepts that"))
        #expect(strict.detail.contains("experimental: unsupported"))
        #expect(Gate.run(nothing, source: "n.json", allowSkipped: true).passed)
        #expect(!Gate.run(nil, source: "n.json", allowSkipped: true).passed, "a report not read never passes")
    }
}
