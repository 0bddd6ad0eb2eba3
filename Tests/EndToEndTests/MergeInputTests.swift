import Foundation
import MatrixAnalysis
import TestSupport
import Testing

/// `merge` reads only what a tlsprobe report can be: a regular file of bounded size,
/// whose fields, counts and cells hold together, each report given once.
@Suite struct MergeInputTests {
    /// One real report, as JSON bytes, made once for the suite.
    static let reportData: Result<Data, any Error> = Result {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--format", "json"])
        guard run.status == 0 else { throw CLIFailed(arguments: ["matrix"], status: run.status, stderr: run.stderr) }
        return run.stdout
    }

    /// That report as a JSON object, to alter.
    static func report() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: reportData.get()) as! [String: Any]
    }

    static func write(_ object: Any, in folder: URL, as name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aDeviceOrAFIFOIsRefusedWithoutReading() throws {
        let folder = try Repository.scratch("merge")
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        for path in ["/dev/zero", fifo] {
            let started = Date()
            let run = try CLI.run(["merge", path])
            #expect(run.status == 2, "\(path): \(run.stderr)")
            #expect(run.stderr.contains("not a regular file"), "\(run.stderr)")
            #expect(Date().timeIntervalSince(started) < 10, "\(path) was read or waited on")
        }
    }

    @Test func aFileOverTheLimitIsRefusedBeforeReading() throws {
        let folder = try Repository.scratch("merge")
        let path = folder.appendingPathComponent("huge.json").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, off_t(ReportMerger.sizeLimit + 1)) == 0)
        let run = try CLI.run(["merge", path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("MiB limit"), "\(run.stderr)")
    }

    @Test(arguments: ["duplicate cell", "negative count", "unknown field", "unlisted runtime"])
    func anInconsistentReportIsRefusedByName(_ breakage: String) throws {
        var object = try Self.report()
        var cells = object["cells"] as! [[String: Any]]
        let expected: String
        switch breakage {
        case "duplicate cell":
            cells.append(cells[0])
            expected = "appears twice"
        case "negative count":
            var memory = cells[0]["memory"] as! [String: Any]
            memory["leakedBytes"] = -5
            cells[0]["memory"] = memory
            expected = "negative memory count"
        case "unknown field":
            cells[0]["bogus"] = 1
            expected = "$.cells[0].bogus is not a field"
        default:
            cells[0]["runtime"] = "elsewhere"
            expected = "does not list"
        }
        object["cells"] = cells
        let folder = try Repository.scratch("merge")
        let path = try Self.write(object, in: folder, as: "broken.json")
        let run = try CLI.run(["merge", path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(path) && run.stderr.contains(expected), "\(run.stderr)")
    }

    @Test func theSameReportTwiceIsRefused() throws {
        let folder = try Repository.scratch("merge")
        let first = try Self.write(try Self.report(), in: folder, as: "a.json")
        let copy = try Self.write(try Self.report(), in: folder, as: "b.json")
        let run = try CLI.run(["merge", first, copy])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("\(copy): the same report as \(first)"), "\(run.stderr)")
    }

    /// Control characters in a report someone else wrote reach the terminal escaped.
    @Test func untrustedTextIsEscapedOnTheTerminal() throws {
        var object = try Self.report()
        let hostile = "evil\u{1B}[2J\u{07}\nforged line"
        var runtimes = object["runtimes"] as! [[String: Any]]
        runtimes[0]["name"] = hostile
        object["runtimes"] = runtimes
        object["cells"] = (object["cells"] as! [[String: Any]]).map { cell in
            var cell = cell
            cell["runtime"] = hostile
            cell["reason"] = "reason\u{00}with\u{9B}controls"
            return cell
        }
        let folder = try Repository.scratch("merge")
        let path = try Self.write(object, in: folder, as: "hostile.json")
        let run = try CLI.run(["merge", path, "--wide"])
        #expect(run.status == 0, "\(run.stderr)")
        let text = run.output
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "a control character reached the terminal")
        #expect(!text.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) })
        #expect(text.contains("evil\\x1B[2J\\x07\\x0Aforged line"), "\(text)")
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("forged line") })
    }
}
