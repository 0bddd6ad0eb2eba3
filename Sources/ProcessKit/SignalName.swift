import CLinux

/// Names for the signals a worker can die of, as a bug report quotes them.
package enum SignalName {
    /// `SIGSEGV`; `signal 77` for a number the C library does not name.
    package static func of(_ signal: Int32) -> String {
        guard let abbreviation = tlsprobe_signal_abbreviation(signal) else { return "signal \(signal)" }
        return "SIG" + String(cString: abbreviation)
    }
}
