import ArgumentParser
import BinaryAudit

/// The statuses tlsprobe exits with, and the one place that names them: the CLI is the
/// edge where a run's outcome becomes a status, so no library module picks a number.
/// The meanings are the contract `TLSProbe`'s help and the README's "Options and exit
/// codes" state; CI jobs depend on them.
///
/// A run ended by signal N exits 128 + N. That status is set in C, by CLinux's
/// termination handlers (`tlsprobe_install_termination_handlers`) and the helper guard
/// (`tlsprobe_guard`), never from Swift: a handler may only call async-signal-safe code.
/// The one exception is 141 (128 + SIGPIPE) for a stdout whose reader has gone, which
/// SIGPIPE would have meant had tlsprobe not ignored it (`Terminal.readerGoneStatus`).
enum ExitStatus: Int32 {
    /// Everything asked for held: no `proxy-core` cell failed, every gate condition held,
    /// every audited file was read and none is of the `--fail-on` class.
    case success = 0
    /// An expectation failed: a `proxy-core` cell, a gate condition, an audited file of
    /// the `--fail-on` class.
    case expectationFailed = 1
    /// The user's to fix: a usage error, an unusable runtime, a report that cannot be
    /// merged, an `--output` or stdout that cannot be written, a file that cannot be audited.
    case usage = 2
    /// This machine cannot run probes at all (no loopback, no namespace, an unusable
    /// libelf), or one of its limits (`ulimit -u`, `-n`, `-v`) is too low; or a run
    /// examined nothing at all (no cell probed, no ELF file audited).
    case environment = 3

    /// What a command throws to end with this status.
    var exitCode: ExitCode { ExitCode(rawValue) }
}

extension ExitStatus {
    /// `audit`: a file of the `--fail-on` class is an expectation that failed; a file or
    /// package that could not be read is the user's to fix (the others are still audited);
    /// an audit that found no ELF file at all ends `environment`, as a matrix that probed
    /// nothing does: the run examined nothing, and a CI job must not read it as clean.
    init(_ audit: AuditOutcome) {
        switch audit {
        case .clean: self = .success
        case .failing: self = .expectationFailed
        case .unreadable: self = .usage
        // A merge lacking shards: their inputs were not read, as an unreadable file's were not.
        case .incomplete: self = .usage
        case .nothingAudited: self = .environment
        }
    }

    /// `gate`: a condition that did not hold is an expectation that failed, but a run that
    /// probed nothing ends `environment` whatever the verdicts (or `--allow-skipped`) say.
    init(gatePassed passed: Bool, nothingProbed: Bool, pluginRanNowhere: Bool = false) {
        if nothingProbed {
            self = .environment
        } else if pluginRanNowhere {
            // A plug-in the user gave was never tested: theirs to fix, whatever the conditions say.
            self = .usage
        } else {
            self = passed ? .success : .expectationFailed
        }
    }
}
