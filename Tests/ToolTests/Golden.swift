import Foundation
import Testing

/// Golden files under `Golden/`, read through `#filePath` (no package resources).
///
/// They are reviewed by eye. On a difference the test writes what the renderer
/// produced to `$TMPDIR/tlsprobe-golden/NAME` and names the first differing line:
/// diff the two, and copy the new file over the golden one only once the change
/// is the one you meant.
enum Golden {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func expect(_ actual: String, matches name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = folder.appendingPathComponent(name)
        let expected = try String(contentsOf: url, encoding: .utf8)
        guard actual != expected else { return }
        let review = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-golden")
        try FileManager.default.createDirectory(at: review, withIntermediateDirectories: true)
        let written = review.appendingPathComponent(name)
        try actual.write(to: written, atomically: true, encoding: .utf8)
        let actualLines = actual.components(separatedBy: "\n"), expectedLines = expected.components(separatedBy: "\n")
        let index = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(actualLines.count, expectedLines.count)
        let got = index < actualLines.count ? actualLines[index] : "<end>"
        let wanted = index < expectedLines.count ? expectedLines[index] : "<end>"
        Issue.record("\(name) differs at line \(index + 1):\n  golden: \(wanted)\n  actual: \(got)\nreview: diff \(url.path) \(written.path)",
                     sourceLocation: sourceLocation)
    }
}
