// The few errors tlsprobe's modules throw, in one place. The CLI maps each to an exit
// status: InputError is the user's to fix (2), EnvironmentError means this machine
// cannot run probes at all (3).

/// Something the user gave or chose cannot be used: a report to merge, a version range,
/// an `--output` file, or a runtime (a bad folder, the wrong library loaded, a worker
/// that will not start, a line that cannot be fetched). `source` names it (the file, the
/// option and its value, `runtime NAME`); the CLI treats them all alike, with exit 2.
package struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    package var source: String
    package var message: String

    package init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    /// A runtime that cannot be used: `runtime NAME: message`.
    package init(runtime: String, message: String) {
        self.init(source: "runtime \(runtime)", message: message)
    }

    package var description: String { "\(source): \(message)" }
}

/// This machine cannot run probes, or a kind of probe: no loopback interface,
/// no usable OpenSSL, no private network namespace. Never a cell's failure.
package struct EnvironmentError: Error, Sendable, CustomStringConvertible {
    package let description: String

    package init(_ description: String) {
        self.description = description
    }
}
