/// What an audit tells its caller while it reads, for a progress line: the `Auditor`
/// reports through `Auditor.progress` and never prints; the command decides whether a
/// terminal shows anything (`tlsprobe audit`'s progress line).
///
/// Sizes are the archives' sizes on disk, known before any is read: what is left of them
/// over the rate so far is the time left, whatever they decompress to.
package enum AuditProgress: Sendable {
    /// The inputs are walked and the plain files read: `archives` packages and tar archives
    /// are left to read, `bytes` their total size on disk.
    case planned(archives: Int, bytes: Int64)
    /// `count` more files read, ELF or not: a plain file as it is read, an archive's members
    /// once the archive is.
    case filesRead(Int)
    /// One package or tar archive read to its end or to its error; `bytes`: its size on disk.
    case archiveRead(bytes: Int64)
}
