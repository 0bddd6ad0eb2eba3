import Foundation
@testable import MatrixAnalysis
@testable import MatrixModel
@testable import ToolCore
import Testing

@Suite struct MergeTests {
    func input(_ report: Report, _ source: String) throws -> ReportMerger.Input {
        ReportMerger.Input(source: source, data: try report.jsonData())
    }

    func merge(_ inputs: [ReportMerger.Input]) throws -> MergedReport {
        try ReportMerger.merge(inputs, command: ["tlsprobe", "merge"], generatedAt: ReportFixture.date)
    }

    @Test func hostsBecomeAnAxisOfRuntimeNames() throws {
        let a = ReportFixture.cleanReport(hostname: "ci-a")
        let b = ReportFixture.report(hostname: "ci-b")
        let merged = try merge([input(a, "a.json"), input(b, "b.json")])
        #expect(merged.hosts.map(\.name) == ["ci-a", "ci-b"])
        #expect(merged.hosts.map(\.source) == ["a.json", "b.json"])
        #expect(merged.hosts.map(\.environment) == [a.environment, b.environment])
        #expect(merged.report.runtimes.map(\.name)
                == ["ci-a:system", "ci-b:system", "ci-b:/srv/runtimes/trixie", "ci-b:/srv/runtimes/missing"])
        #expect(merged.report.cells.count == a.cells.count + b.cells.count)
        #expect(Set(merged.report.cells.map(\.runtime)).isSubset(of: merged.report.runtimes.map(\.name)))
        // The diagnosis is made again from the merged cells, under the qualified names.
        #expect(merged.report.diagnosis.map(\.runtime) == b.diagnosis.map { "ci-b:\($0.runtime)" })
        #expect(merged.report.diagnosis.map(\.evidence) == b.diagnosis.map(\.evidence))
        #expect(merged.report.summary == a.summary.merging(b.summary, uniquingKeysWith: +))
        #expect(merged.report.runtimeErrors.map(\.source) == ["runtime ci-b:/srv/runtimes/missing"])
        #expect(merged.report.environment == a.environment)
    }

    @Test func reportsFromOneHostNameAreNumbered() throws {
        // Three runs on one host: the same cells, made at different times.
        let runs = (0..<3).map { ReportFixture.cleanReport(hostname: "runner", date: ReportFixture.date + Double($0) * 3600) }
        let merged = try merge([input(runs[0], "1.json"), input(runs[1], "2.json"), input(runs[2], "3.json")])
        #expect(merged.hosts.map(\.name) == ["runner", "runner#2", "runner#3"])
        #expect(merged.report.runtimes.map(\.name) == ["runner:system", "runner#2:system", "runner#3:system"])
    }

    @Test func theSameReportTwiceIsRefused() throws {
        let a = ReportFixture.cleanReport(hostname: "runner")
        let b = ReportFixture.report(hostname: "other")
        let error = try #require(throws: InputError.self) {
            try merge([input(a, "1.json"), input(b, "2.json"), input(a, "copy-of-1.json")])
        }
        #expect(error.source == "copy-of-1.json")
        #expect(error.message == "the same report as 1.json; give each report once")
    }

    @Test func mergingAMergedReportSplitsItBackIntoHosts() throws {
        let a = ReportFixture.cleanReport(hostname: "runner")
        let b = ReportFixture.report(hostname: "runner")
        let c = ReportFixture.cleanReport(hostname: "other")
        let ab = try merge([input(a, "a.json"), input(b, "b.json")])
        let abData = try ab.jsonData()
        let nested = try merge([ReportMerger.Input(source: "ab.json", data: abData), input(c, "c.json")])
        let flat = try merge([input(a, "a.json"), input(b, "b.json"), input(c, "c.json")])
        #expect(nested.report.runtimes == flat.report.runtimes)
        #expect(nested.report.cells == flat.report.cells)
        #expect(nested.hosts.map(\.name) == ["runner", "runner#2", "other"])
        #expect(nested.report.diagnosis == flat.report.diagnosis)
        // Merged first, a second report from "runner" still gets the next number.
        let again = try merge([input(a, "a.json"), ReportMerger.Input(source: "ab.json", data: abData)])
        #expect(again.hosts.map(\.name) == ["runner", "runner#2", "runner#3"])
    }

    @Test func mergedJSONIsAReportWithHosts() throws {
        let merged = try merge([input(ReportFixture.cleanReport(hostname: "x"), "x.json")])
        let data = try merged.jsonData()
        #expect(try Report.decode(data) == merged.report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hosts = try #require(object["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["name"] as? String } == ["x"])
        #expect(object["schemaVersion"] as? Int == Report.currentSchemaVersion)
    }

    @Test func anotherSchemaVersionIsRefusedByName() throws {
        let good = try input(ReportFixture.cleanReport(hostname: "a"), "good.json")
        var object = try #require(try JSONSerialization.jsonObject(with: good.data) as? [String: Any])
        object["schemaVersion"] = Report.currentSchemaVersion + 1
        let newer = ReportMerger.Input(source: "ci/newer.json", data: try JSONSerialization.data(withJSONObject: object))
        let error = try #require(throws: InputError.self) { try merge([good, newer]) }
        #expect(error.source == "ci/newer.json")
        #expect(error.description.hasPrefix("ci/newer.json: schemaVersion \(Report.currentSchemaVersion + 1)"))
    }

    @Test(arguments: [
        ("{\"schemaVersion\": \(Report.currentSchemaVersion), \"cells\": [", "malformed JSON"),
        ("[1, 2]", "not a JSON object"),
        ("{\"tool\": \"tlsprobe\"}", "no schemaVersion"),
        ("{\"schemaVersion\": \(Report.currentSchemaVersion)}", "tool is missing"),
    ])
    func brokenInputsAreRefusedByName(_ text: String, _ mentioned: String) throws {
        let good = try input(ReportFixture.cleanReport(hostname: "a"), "good.json")
        let bad = ReportMerger.Input(source: "bad.json", data: Data(text.utf8))
        let error = try #require(throws: InputError.self) { try merge([good, bad]) }
        #expect(error.source == "bad.json")
        #expect(error.message.contains(mentioned), "\(error)")
    }

    @Test func aCellOfAnUnknownModeIsRefused() throws {
        let good = try input(ReportFixture.cleanReport(hostname: "a"), "good.json")
        let text = String(decoding: good.data, as: UTF8.self).replacingOccurrences(of: "\"proxy-core\"", with: "\"proxy-kore\"")
        let error = try #require(throws: InputError.self) {
            try merge([ReportMerger.Input(source: "typo.json", data: Data(text.utf8))])
        }
        #expect(error.description.contains("typo.json: not a valid schemaVersion \(Report.currentSchemaVersion) report: cells[0].mode"))
    }
}
