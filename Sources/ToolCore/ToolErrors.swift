// The few errors tlsprobe's modules throw, in one place. The CLI maps each to an exit
// code: InputError and RuntimeError are the user's to fix (2), EnvironmentError
// means this machine cannot run probes at all (3).

/// Something the user gave cannot be used: a report to merge, a version range.
/// `source` names it (the file, or the option and its value).
package struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    package var source: String
    package var message: String

    package init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    package var description: String { "\(source): \(message)" }
}

/// A runtime that cannot be used (a bad folder, the wrong library loaded, a
/// worker that will not start), with a message naming it.
package struct RuntimeError: Error, Sendable, CustomStringConvertible {
    package let runtime: String
    package let message: String

    package init(runtime: String, message: String) {
        self.runtime = runtime
        self.message = message
    }

    package var description: String { "runtime \(runtime): \(message)" }
}

/// This machine cannot run probes, or a kind of probe: no loopback interface,
/// no usable OpenSSL, no private network namespace. Never a cell's failure.
package struct EnvironmentError: Error, Sendable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
