/// What an audit concluded, for whoever decides what that means for the run: the CLI
/// maps it to an exit status, the gate's `audit` condition to a verdict. A model type
/// says what happened; it never picks an exit code.
package enum AuditOutcome: Sendable, Equatable {
    /// Every file could be read, and none is of the `--fail-on` class (or none was set).
    case clean
    /// A file is of the `--fail-on` class: a definite finding, which outranks any
    /// file that could not be read.
    case failing
    /// No file is of the `--fail-on` class, but a file or package could not be read,
    /// so the audit cannot say the rest are clean.
    case unreadable
    /// A merge of shards that lacks some (`AuditReport.incomplete`): what it holds was
    /// merged, but the inputs of the missing shards were not audited at all. Only a file
    /// of the `--fail-on` class outranks it.
    case incomplete
    /// No ELF file at all was found under the paths given (none could be read, and none
    /// failed to be: only files that are not ELF, symlinks, or nothing). The audit says
    /// nothing about anything, which a CI job must not take for clean;
    /// `AuditReport.verdict` says what was found instead.
    case nothingAudited
}
