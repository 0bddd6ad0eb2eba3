/// Why a file cannot be read, as `ELFReader.Result.unreadable` carries it: refused before
/// it is opened for reading (`RegularFile`: missing, a FIFO, a device) or found not to
/// hold together once read (`ELFReader`: a table past the end, an invalid class). Either
/// way the audit reports the file as an `error` with this reason, so it is one type.
package struct UnreadableFile: Error, Sendable {
    package let reason: String

    package init(reason: String) {
        self.reason = reason
    }
}
