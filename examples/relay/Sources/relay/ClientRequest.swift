import Foundation
import ProxyCore

/// One HTTP/1.1 request from a client, rewritten for the origin: `Connection: close`
/// (one request per connection, both ways) and a body of `Content-Length` bytes.
struct ClientRequest {
    /// `GET /path HTTP/1.1`, for the log.
    let requestLine: String
    /// What the origin is sent.
    let bytes: [UInt8]

    static let maximumHead = 64 * 1024
    static let maximumBody = 16 * 1024 * 1024

    /// Reads the request head and its body from `client` (whose reads time out, see `Exchange`).
    init(reading client: Int32) throws {
        var received: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            guard received.count < Self.maximumHead else { throw RelayError("request head over \(Self.maximumHead) bytes") }
            let chunk = try Self.read(client)
            guard !chunk.isEmpty else { throw RelayError("client closed before the end of the request head") }
            received += chunk
            headEnd = Self.endOfHead(received)
        }
        let lines = String(decoding: received[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        requestLine = lines[0]
        var contentLength = 0
        var head = [requestLine]
        for header in lines.dropFirst() where !header.isEmpty {
            let name = header.prefix { $0 != ":" }.lowercased()
            if name == "content-length" {
                guard let length = Int(header.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)),
                      (0...Self.maximumBody).contains(length) else { throw RelayError("bad Content-Length: \(header)") }
                contentLength = length
            }
            if name == "transfer-encoding" { throw RelayError("chunked request bodies are not supported") }
            if ["connection", "keep-alive", "proxy-connection"].contains(name) { continue }
            head.append(header)
        }
        head.append("Connection: close")
        var body = Array(received[(headEnd! + 4)...])
        while body.count < contentLength {
            let chunk = try Self.read(client)
            guard !chunk.isEmpty else { throw RelayError("client closed before the end of the body") }
            body += chunk
        }
        bytes = Array((head.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body.prefix(contentLength)
    }

    private static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    private static func read(_ client: Int32) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw RelayError("reading the request", errno: errno) }
        return Array(buffer.prefix(count))
    }
}
