import Foundation

/// Runs a program to its end and keeps what it printed: the one way every test
/// target starts a process (the built tlsprobe, the fetch script, xmllint, python3).
package enum ProcessRunner {
    package struct Run: Sendable {
        package let status: Int32
        package let stdout: Data
        package let stderr: String

        /// stdout as text.
        package var output: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments`; `environment` is added to this process's own.
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes are drained together, so a child that fills one never blocks on it.
        let stderrData = LockedData()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderrData.set(err.fileHandleForReading.readDataToEndOfFile())
            drained.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderrData.get(), as: UTF8.self))
    }

    private final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data { lock.withLock { data } }
    }
}
