/// What became of the program on one runtime. Only `ok` is success.
package enum RunOutcome: String, Sendable, Codable, CaseIterable {
    /// It made its TLS connections and did its work (exit 0, or the request answered 2xx/3xx).
    case ok
    /// The evidence shows the OpenSSL 3.2 regression: a first TLS write that passed a
    /// destination of the wrong length (0 when the BIO read OpenSSL's zeroed struct).
    case affected
    /// It failed some other way: a non-zero exit, a failed TLS write, a failed request.
    case failed
    /// It died of a signal tlsprobe did not send.
    case crashed
    /// It was still running at the deadline, with no request answered.
    case timeout
    /// This runtime cannot load the program: another libssl ABI.
    case unsupported
    /// It ran (or would run) without the observer seeing what matters: a static or setuid
    /// program, no TLS connection made, or another libssl than the runtime's loaded.
    case unobservable
    /// Could not be run here (the runtime could not be fetched, no namespace privilege).
    case skipped

    /// Outcomes that fail `run`'s exit status and the gate's run condition.
    package var isFailure: Bool {
        switch self {
        case .affected, .failed, .crashed, .timeout, .unobservable: true
        case .ok, .unsupported, .skipped: false
        }
    }
}

/// A summary keyed by outcome is a JSON object keyed by its name.
extension RunOutcome: CodingKeyRepresentable {}
