import Foundation
import ProxyCore

/// One client connection: its request, a new origin connection, the response relayed back.
struct Exchange {
    let client: Int32
    let dialer: OriginDialer
    let origin: OriginURL
    let log: RelayLog

    func run() {
        defer { Foundation.close(client) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request: ClientRequest
        do {
            request = try ClientRequest(reading: client)
        } catch {
            answer(400, "Bad Request", "\(error)")
            log.line("bad request: \(error)")
            return
        }
        let deadline = Deadline.after(seconds: 10)
        var relayed = 0
        var status = ""
        do throws(OriginFailure) {
            let connection = try dialer.connect(deadline: deadline)
            defer { connection.close() }
            do throws(OriginFailure) {
                try connection.write(request.bytes, deadline: deadline)
                while true {
                    let chunk = try connection.read(deadline: deadline)
                    if chunk.isEmpty { break }
                    if relayed == 0 { status = Self.status(of: chunk) }
                    guard send(chunk) else { break }
                    relayed += chunk.count
                }
                log.line("\(request.requestLine) -> \(status) from \(origin); \(connection.diagnostics)")
            } catch where relayed > 0 {
                // The response has begun: all the relay can do is stop, and say why.
                log.line("\(request.requestLine) -> \(status), cut after \(relayed) bytes: \(error.message); \(error.diagnostics)")
            }
        } catch {
            answer(502, "Bad Gateway", "origin \(origin): \(error.message)\n\(error.diagnostics)\n")
            log.line("\(request.requestLine) -> 502 Bad Gateway: origin \(origin): \(error.message); \(error.diagnostics)")
        }
    }

    /// `200`, from `HTTP/1.0 200 ok`.
    private static func status(of response: [UInt8]) -> String {
        let line = String(decoding: response.prefix(64), as: UTF8.self).prefix { $0 != "\r" && $0 != "\n" }
        return line.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
    }

    private func answer(_ code: Int, _ reason: String, _ body: String) {
        let bytes = Array(body.utf8)
        let head = "HTTP/1.1 \(code) \(reason)\r\nContent-Type: text/plain\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        _ = send(Array(head.utf8) + bytes)
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }
}
