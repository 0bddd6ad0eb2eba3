@testable import AuditClassification
@testable import BinaryAudit
import Foundation
@testable import ReportRendering
import Testing

/// The parts of the SARIF rendering that decide whether code scanning finds and
/// deduplicates a finding: its URI and its fingerprint.
@Suite struct AuditSARIFRendererTests {
    let renderer = AuditSARIFRenderer(currentDirectory: "/src/proxy")

    @Test(arguments: [
        ("bin/proxy", "bin/proxy"),
        ("/src/proxy/lib/libfo.so", "lib/libfo.so"),
        ("./bin/../lib/x.so", "lib/x.so"),
        ("a:b/x", "a%3Ab/x"),
        ("bin/two words", "bin/two%20words"),
        ("../other/x", "file:///src/other/x"),
        ("/src/proxy-old/x", "file:///src/proxy-old/x"),
        ("/usr/lib/x86_64-linux-gnu/libpq.so.5", "file:///usr/lib/x86_64-linux-gnu/libpq.so.5"),
    ])
    func uris(_ path: String, _ expected: String) {
        #expect(renderer.uri(path) == expected)
    }

    @Test func theFingerprintIgnoresWhereThePackageLayAndItsVersion() {
        func file(_ deb: String, version: String) -> AuditedFile {
            var file = AuditedFile(path: deb + ":/usr/bin/proxy", package: deb, class: .affectedPattern)
            file.packageInfo = DebianPackageInfo(name: "proxy", version: version, architecture: "amd64", source: "proxy", sourceVersion: version)
            return file
        }
        let report = AuditReport(command: ["tlsprobe", "audit"], inputs: [], readers: 1, durationMilliseconds: 0, failOn: nil,
                                 skipped: AuditSkipped(), files: [file("a/proxy_1.deb", version: "1"), file("/b/proxy_2.deb", version: "2")])
        let results = report.files.compactMap { renderer.result($0, report: report) }
        #expect(results.count == 2)
        #expect(results[0].partialFingerprints == results[1].partialFingerprints)
        #expect(results[0].locations[0].physicalLocation.artifactLocation.uri == "/usr/bin/proxy")
        #expect(results[1].relatedLocations?[0].physicalLocation.artifactLocation.uri == "file:///b/proxy_2.deb")
        var moved = file("a/proxy_1.deb", version: "1")
        moved.class = .inheritsSocketBIO
        #expect(renderer.result(moved, report: report)?.partialFingerprints != results[0].partialFingerprints, "a new class is a new finding")
    }

    /// Every class has a level or is deliberately none; the rules are the classes with one, in order of concern.
    @Test func rulesFollowTheClassesOrder() {
        #expect(AuditSARIFRenderer.ruleClasses == [.affectedPattern, .inheritsSocketBIO, .embeddedOpenSSL])
        #expect(AuditSARIFRenderer.ruleClasses == AuditSARIFRenderer.ruleClasses.sorted())
    }
}
