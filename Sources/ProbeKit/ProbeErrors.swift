// The few errors ProbeKit throws, in one place. The CLI maps each to an exit
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

/// A cell that reproduces a broken design was asked to run where nothing contains it.
///
/// The reproductions can make OpenSSL free memory it never allocated (the
/// legacy fast-open BIO's teardown on 3.2+). Only a worker whose OpenSSL
/// allocations are accounted turns that into evidence instead of heap
/// corruption, so only such a worker runs them.
package struct ContainmentError: Error, Sendable, CustomStringConvertible {
    package let cell: Cell

    package var description: String {
        "\(cell.name) reproduces a broken design and runs only in a worker process with OpenSSL's allocations accounted (tlsprobe matrix); this process has no accounting"
    }
}
