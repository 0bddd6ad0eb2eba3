import Foundation

/// One line per request, appended to `--log` (or standard error). Each line is one
/// `write(2)` on an `O_APPEND` descriptor, so lines from concurrent requests never mix.
final class RelayLog: Sendable {
    private let descriptor: Int32

    init(path: String?) throws {
        guard let path else {
            descriptor = STDERR_FILENO
            return
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RelayError("open \(path)", errno: errno) }
    }

    func line(_ text: String) {
        let bytes = Array("\(Date().ISO8601Format()) \(text)\n".utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
