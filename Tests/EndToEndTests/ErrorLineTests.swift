import Foundation
import Testing
import TestSupport

/// Error lines on stderr repeat what the user gave (a runtime path, a `--mode` value, an
/// `--output` folder, a file to merge). An ESC or a line break in it is shown escaped: it
/// neither drives the terminal nor forges a line of tlsprobe's own.
@Suite struct ErrorLineTests {
    static let hostile = "x\u{1B}[31mred\u{7}\nforged: line"

    static let cases: [[String]] = [
        ["matrix", "--runtime", "/nonexistent/\(hostile)", "--mode", "fd", "--format", "json"],
        ["matrix", "--mode", "fd\(hostile)", "--format", "json"],
        ["matrix", "--runtime", "system", "--mode", "fd", "--tfo", "off", "--family", "ipv4", "--phase", "handshake",
         "--format", "json", "--output", "/nonexistent/\(hostile)/report.json"],
        ["merge", "/nonexistent/\(hostile).json"],
    ]

    @Test(arguments: cases) func controlCharactersFromTheUserAreEscapedOnStderr(_ arguments: [String]) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(!run.stderr.isEmpty)
        let raw = run.stderr.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
        #expect(raw.isEmpty, "raw control characters on stderr: \(raw.map { $0.value }) in \(run.stderr.debugDescription)")
        // Every line is tlsprobe's own: none starts with the text after the user's line break.
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("tlsprobe: ") }, "\(run.stderr.debugDescription)")
        #expect(run.stderr.contains("x\\x1B[31mred\\x07"), "\(run.stderr.debugDescription)")
        // ArgumentParser's own message for a bad `--mode` is folded onto one line (its line breaks
        // become ", "); every other line shows the user's line break escaped.
        if !arguments.contains(where: { $0.hasPrefix("fd") && $0 != "fd" }) {
            #expect(run.stderr.contains("x\\x1B[31mred\\x07\\x0Aforged: line"), "\(run.stderr.debugDescription)")
        }
    }
}
