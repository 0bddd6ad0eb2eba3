import Foundation
import MatrixModel
import TestSupport
import Testing

/// `merge` of a large report (well under the 64 MiB cap) in bounded memory: it used
/// to turn the input into Foundation object trees twice and decode it four times,
/// 1.5 GB and half a minute for 55 MiB.
@Suite struct MergeMemoryTests {
    /// A valid report of `runtimes` runtimes, each a copy of the real report's one runtime and its cells.
    static func largeReport(runtimes count: Int, in folder: URL) throws -> (path: String, cells: Int) {
        var object = try MergeInputTests.report()
        let runtimes = try #require(object["runtimes"] as? [[String: Any]])
        let cells = try #require(object["cells"] as? [[String: Any]])
        let runtime = try #require(runtimes.first), name = try #require(runtime["name"] as? String)
        let own = cells.filter { $0["runtime"] as? String == name }
        var runtimeText: [String] = [], cellText: [String] = []
        for index in 0..<count {
            var copy = runtime
            copy["name"] = "\(name)-\(index)"
            runtimeText.append(String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self))
            for cell in own {
                var copy = cell
                copy["runtime"] = "\(name)-\(index)"
                cellText.append(String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self))
            }
        }
        object["runtimes"] = "@RUNTIMES@"
        object["cells"] = "@CELLS@"
        object["summary"] = (object["summary"] as? [String: Int] ?? [:]).mapValues { $0 * count }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            .replacingOccurrences(of: "\"@RUNTIMES@\"", with: "[" + runtimeText.joined(separator: ",\n") + "]")
            .replacingOccurrences(of: "\"@CELLS@\"", with: "[" + cellText.joined(separator: ",\n") + "]")
        let path = folder.appendingPathComponent("large.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (path, cellText.count)
    }

    /// 16 to 20 MB of report (9,000 runtimes) under a 400 MB address-space limit: this merge needs about
    /// 300 MB of address space for it (a debug build), the old one over 600 MB (it
    /// aborted or crashed under this limit).
    @Test func aLargeReportMergesInBoundedMemory() throws {
        let folder = try Repository.scratch("merge-large")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, cells) = try Self.largeReport(runtimes: 9000, in: folder)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 16 << 20 && size < 20 << 20, "\(size) bytes")
        let limited = ["/bin/sh", "-c", #"ulimit -v 400000 && exec "$0" "$@""#]
        let run = try CLI.run(["merge", path, "--format", "json"], through: limited)
        #expect(run.status == 0, "\(run.status): \(run.stderr.prefix(500))")
        let merged = try Report.decode(run.stdout)
        #expect(merged.cells.count == cells)
        #expect(merged.runtimes.count == 9000)
    }
}
