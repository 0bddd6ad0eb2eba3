import Foundation
import ProxyCore
import RunModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sends `--request` to the program once it listens: connects again and again (the program
/// may take seconds to start) until the deadline or until the program is gone, then sends
/// one `GET` with `Connection: close` and reads the status line and the start of the body.
package final class RequestSender: Sendable {
    private let target: RequestTarget
    private let abandoned = Atomic<Bool>(false)

    /// Most of the answer kept: the status line and the start of an error page.
    static let answerLimit = 65536

    package init(target: RequestTarget) {
        self.target = target
    }

    /// Makes `send` give up at its next step: the program ended without listening.
    package func abandon() { abandoned.store(true, ordering: .relaxed) }

    /// The request's result; never throws: every failure is the result's `error`.
    package func send(until deadline: Deadline) -> RequestResult {
        let start = Deadline.now
        func result(status: Int? = nil, statusLine: String? = nil, error: String? = nil, body: String? = nil) -> RequestResult {
            RequestResult(url: target.url, status: status, statusLine: statusLine, error: error, bodyHead: body,
                          seconds: start.millisecondsUntilNow / 1000)
        }
        var lastError = "the program never listened on \(target.address.host):\(target.address.port)"
        var fd: Int32 = -1
        while fd < 0 {
            if abandoned.load(ordering: .relaxed) { return result(error: "the program ended before it answered (\(lastError))") }
            if deadline.remainingMilliseconds == 0 { return result(error: "deadline passed: \(lastError)") }
            if let connected = connect(until: deadline, failure: &lastError) {
                fd = connected
            } else {
                usleep(50_000)
            }
        }
        defer { close(fd) }
        let request = "GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUser-Agent: tlsprobe-run\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                return result(error: "sending the request: \(ErrnoName.describe(errno))")
            }
            sent += count
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while answer.count < Self.answerLimit {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 { break }
            let ready = poll(&poller, 1, min(remaining, 200))
            if ready < 0, errno != EINTR { break }
            if ready <= 0 {
                if abandoned.load(ordering: .relaxed), answer.isEmpty { break }
                continue
            }
            let count = recv(fd, &chunk, chunk.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            answer += chunk[..<count]
        }
        return Self.parse(answer, into: result)
    }

    /// The status line, status and body start of an answer, or why there is none.
    static func parse(_ answer: [UInt8],
                      into result: (_ status: Int?, _ statusLine: String?, _ error: String?, _ body: String?) -> RequestResult) -> RequestResult {
        guard !answer.isEmpty else { return result(nil, nil, "the program accepted the connection and closed it without an answer", nil) }
        let text = String(decoding: answer, as: UTF8.self)
        let lines = text.split(separator: "\r\n", maxSplits: 1, omittingEmptySubsequences: false)
        let statusLine = String(lines[0].prefix(200))
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let status = Int(fields[1]), (100...999).contains(status) else {
            return result(nil, nil, "the answer is not HTTP: \(statusLine.debugDescription)", nil)
        }
        var body: String?
        if let end = text.range(of: "\r\n\r\n") {
            let rest = text[end.upperBound...]
            body = rest.isEmpty ? nil : String(rest.prefix(1024))
        }
        return result(status, statusLine, nil, body)
    }

    /// One connection attempt, bounded by a short slice of the deadline.
    private func connect(until deadline: Deadline, failure: inout String) -> Int32? {
        let family = target.address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            failure = "socket: \(ErrnoName.describe(errno))"
            return nil
        }
        let status = target.address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if status == 0 { return fd }
        guard errno == EINPROGRESS else {
            failure = "connect: \(ErrnoName.describe(errno))"
            close(fd)
            return nil
        }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, min(deadline.remainingMilliseconds, 1000))
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if ready == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 { return fd }
        close(fd)
        failure = "connect: \(ready == 1 ? ErrnoName.describe(error) : "no answer within a second")"
        return nil
    }
}
