import ProxyCore

/// What a `LoopbackTLSServer` does with a connection once the handshake is done.
package enum LoopbackService: Sendable {
    /// Reads one line and writes it back: the matrix's proof that data crossed.
    case echoLine
    /// Reads an HTTP/1.x request head and answers `200 OK` with a short body, then
    /// closes: `tlsprobe run --origin`, the origin a user's client or proxy fetches from.
    case http

    /// The body every request gets.
    package static let httpBody = "tlsprobe origin: ok\n"

    /// Longest request head read: a proxy's request is a few hundred bytes.
    static let headLimit = 16384

    /// Reads up to the blank line that ends the request head (bounded), then answers.
    static func answerHTTP(on tls: TLSConnection, until deadline: Deadline) throws(TLSError) {
        var head: [UInt8] = []
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while head.count < headLimit {
            let chunk = try tls.read(maximum: headLimit - head.count, until: deadline)
            if chunk.isEmpty { break }
            head += chunk
            if head.count >= 4, head.indices.dropLast(3).contains(where: { Array(head[$0..<($0 + 4)]) == end }) { break }
        }
        let body = Array(httpBody.utf8)
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try tls.write(Array(response.utf8) + body, until: deadline)
    }
}
