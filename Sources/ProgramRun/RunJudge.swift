import RunModel
#if canImport(Glibc)
import Glibc
#endif

/// Draws one runtime's outcome and verdict line from the evidence, and only from it:
/// what the observer recorded at the libc boundary, how the program ended, what the
/// request got. Never from a version number: "OpenSSL 3.5" appears in a verdict only as
/// the name of what the program really loaded.
package struct RunJudge: Sendable {
    package var writes: [ObservedWrite]
    package var processes: [ObservedProcess]
    package var exit: ProgramExit
    package var request: RequestResult?
    /// The libssl the runtime provides (resolved), which the writing processes must have loaded; `nil` for `system`.
    package var expectedLibssl: String?
    /// Why the observer's records are incomplete, when they are.
    package var observerNotes: [String] = []

    package init(writes: [ObservedWrite], processes: [ObservedProcess], exit: ProgramExit, request: RequestResult?,
                 expectedLibssl: String?, observerNotes: [String] = []) {
        self.writes = writes
        self.processes = processes
        self.exit = exit
        self.request = request
        self.expectedLibssl = expectedLibssl
        self.observerNotes = observerNotes
    }

    /// `OpenSSL 3.5.4`: the version the program's processes reported, without its date.
    var openSSLName: String? {
        guard let text = processes.lazy.compactMap(\.openSSLVersion).first else { return nil }
        let words = text.split(separator: " ")
        return words.count >= 2 ? words.prefix(2).joined(separator: " ") : text
    }

    /// The outcome and its verdict line.
    package func judge() -> (RunOutcome, String) {
        let on = openSSLName.map { " on \($0)" } ?? ""
        let tail = consequences()
        if processes.isEmpty {
            return (.unobservable, "the observer never loaded in the program, so nothing it did was seen" + observerSuffix + tail)
        }
        if let expectedLibssl, let stranger = strangerLibssl(expected: expectedLibssl) {
            return (.unobservable, "the process that wrote TLS loaded \(stranger), not the runtime's \(expectedLibssl): this run says nothing about the runtime" + tail)
        }
        if let wrong = writes.first(where: \.wrongAddressLength) {
            let family = wrong.expectedAddressLength.map { " (a correct call passes \($0))" } ?? ""
            let result = wrong.result < 0 ? "→ \(wrong.errnoName ?? "errno \(wrong.errno ?? 0)")" : "→ \(wrong.result) bytes"
            let flag = wrong.fastOpen ? "(MSG_FASTOPEN)" : ""
            return (.affected, "AFFECTED\(on): \(wrong.call)\(flag) address length \(wrong.addressLength ?? 0) \(result)\(family)" + tail)
        }
        if exit.stoppedBy == nil, let signal = exit.signal {
            return (.crashed, "crashed (\(exit.glibcMessage.map { "\(signal), \($0)" } ?? signal))\(on)" + firstWriteSuffix + requestSuffix)
        }
        if exit.stoppedBy == .deadline, request?.succeeded != true {
            return (.timeout, "timeout\(on): still running at the deadline" + firstWriteSuffix + requestSuffix)
        }
        if let failed = writes.first(where: { $0.result < 0 && !Self.inProgress.contains($0.errno ?? 0) }) {
            return (.failed, "failed\(on): first TLS write \(failed.summary)" + tail)
        }
        if let request, !request.succeeded {
            return (.failed, "failed\(on): \(request.summary)" + firstWriteSuffix + exitSuffix)
        }
        if request == nil, exit.stoppedBy == nil, let status = exit.status, status != 0 {
            return (.failed, "failed\(on): exit status \(status)" + firstWriteSuffix + stderrSuffix)
        }
        if writes.isEmpty {
            return (.unobservable, "no TLS connection was seen\(on): the program wrote no TLS record on a TCP socket, so this run says nothing about its TLS" + observerSuffix + tail)
        }
        return (.ok, "ok\(on)" + firstWriteSuffix + tail)
    }

    /// What a non-blocking first write answers while the connection is still being made (a
    /// fast-open `sendto` without a cookie: EINPROGRESS, and the BIO writes again once
    /// connected): no failure.
    static let inProgress: Set<Int32> = [EINPROGRESS, EAGAIN, EALREADY, EINTR]

    /// A writing process's libssl that is not the runtime's (the program's own RUNPATH, a child
    /// started by the host's loader), when there is one.
    private func strangerLibssl(expected: String) -> String? {
        let writers = Set(writes.map(\.pid))
        for process in processes where writers.contains(process.pid) {
            if let loaded = process.libssl.first(where: { $0 != expected }) { return loaded }
        }
        return nil
    }

    /// `; request → 502; exit status 1`: what the evidence says happened next.
    private func consequences() -> String {
        requestSuffix + exitSuffix
    }

    private var firstWriteSuffix: String {
        guard let first = writes.first else { return "" }
        let more = writes.count > 1 ? " (\(writes.count) TLS sockets)" : ""
        return ": first write \(first.summary)\(more)"
    }

    private var requestSuffix: String { request.map { "; \($0.summary)" } ?? "" }

    private var exitSuffix: String {
        if exit.stoppedBy == .requestAnswered { return "" }
        return "; \(exit.summary)"
    }

    private var stderrSuffix: String { exit.stderrTail.last.map { "; stderr: \($0)" } ?? "" }

    private var observerSuffix: String { observerNotes.isEmpty ? "" : " (\(observerNotes.joined(separator: "; ")))" }
}
