import Foundation

/// Runs a tool and returns its status and output; a missing tool fails the test.
struct Tool {
    let status: Int32
    let stdout: String
    let stderr: String

    static func run(_ path: String, _ arguments: [String], stdin: Data? = nil) throws -> Tool {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(path: path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Tool(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                    stderr: String(decoding: stderr, as: UTF8.self))
    }

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is missing: scripts/test installs it (TEST_PACKAGES in scripts/lib/setup.sh)" }
    }

    static let xmllint = "/usr/bin/xmllint"
    static let junitSchema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/junit.xsd").path

    /// `xmllint --xpath EXPR -` on `xml`: a real XML parser reading what a CI system would.
    static func xpath(_ expression: String, in xml: String) throws -> String {
        let run = try Tool.run(xmllint, ["--xpath", expression, "-"], stdin: Data(xml.utf8))
        guard run.status == 0 else { throw XPathFailed(expression: expression, stderr: run.stderr) }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct XPathFailed: Error, CustomStringConvertible {
        let expression: String
        let stderr: String
        var description: String { "xmllint --xpath \(expression): \(stderr)" }
    }
}
