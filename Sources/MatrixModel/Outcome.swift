/// What became of a cell. Only `ok` is success.
package enum Outcome: String, Sendable, Codable, CaseIterable {
    /// Handshake verified, message echoed back intact.
    case ok
    /// Tried and failed.
    case failed
    /// The probe died on a signal.
    case crashed
    /// The deadline passed.
    case timeout
    /// This runtime or kernel cannot do the mode at all.
    case unsupported
    /// Could not be probed here (no IPv6 loopback, no privilege); the reason says why.
    case skipped

    /// Failures a user must look at: the ones a CI gate fails on.
    package var isFailure: Bool {
        self == .failed || self == .crashed || self == .timeout
    }
}

/// A dictionary keyed by outcome (`Report.summary`) is a JSON object keyed by the
/// outcome's name, as a `[String: Int]` would be, not an array of pairs.
extension Outcome: CodingKeyRepresentable {}
