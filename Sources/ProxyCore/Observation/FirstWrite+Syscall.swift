extension FirstWrite {
    /// The system call a first write went out with, by its C name (the JSON's `syscall`).
    ///
    /// The BIOs of this package write with `sendto` (a fast-open first write) or
    /// `write`; the libc-boundary observer of the matrix's workers sees every call
    /// libssl or a plug-in can send data with.
    public enum Syscall: String, Sendable, Codable, CaseIterable {
        /// `sendto(2)`: the call that carries `MSG_FASTOPEN` and a destination.
        case sendto
        /// `send(2)`.
        case send
        /// `sendmsg(2)`.
        case sendmsg
        /// `write(2)`: a connected socket's plain write.
        case write
        /// `writev(2)`.
        case writev
    }
}
