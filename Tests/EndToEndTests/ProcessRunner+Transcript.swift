import TestSupport

extension ProcessRunner.Run {
    /// stdout and stderr together, for a failure message.
    var transcript: String {
        [output, stderr].filter { !$0.isEmpty }.joined(separator: "\n")
    }
}
