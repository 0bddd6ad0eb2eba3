/// How the program ended, with what it said on the way out.
package struct ProgramExit: Sendable, Codable, Equatable {
    /// Its exit status, when it exited.
    package var status: Int32?
    /// The signal that ended it (`SIGABRT`), when one did.
    package var signal: String?
    /// tlsprobe stopped it: the request was answered (a server) or the deadline passed.
    package var stoppedBy: StopReason?
    /// glibc's last words on stderr (`free(): invalid pointer`), when it left some.
    package var glibcMessage: String?
    /// The last lines of its stderr.
    package var stderrTail: [String]
    /// The last lines of its stdout.
    package var stdoutTail: [String]

    package enum StopReason: String, Sendable, Codable {
        /// It was still serving once the request was answered, as a server should.
        case requestAnswered = "request-answered"
        /// It was still running at the deadline.
        case deadline
    }

    package init(status: Int32? = nil, signal: String? = nil, stoppedBy: StopReason? = nil, glibcMessage: String? = nil,
                 stderrTail: [String] = [], stdoutTail: [String] = []) {
        self.status = status
        self.signal = signal
        self.stoppedBy = stoppedBy
        self.glibcMessage = glibcMessage
        self.stderrTail = stderrTail
        self.stdoutTail = stdoutTail
    }

    /// `exit status 0`, `SIGABRT`, `stopped once the request was answered`.
    package var summary: String {
        if let stoppedBy {
            return stoppedBy == .deadline ? "still running at the deadline (killed)" : "still serving once the request was answered (stopped)"
        }
        if let signal { return glibcMessage.map { "\(signal), \($0)" } ?? signal }
        return "exit status \(status ?? -1)"
    }
}
