/// What `--request URL` got from the program.
package struct RequestResult: Sendable, Codable, Equatable {
    package var url: String
    /// The HTTP status the program answered with.
    package var status: Int?
    /// Its status line, `HTTP/1.1 502 Bad Gateway`.
    package var statusLine: String?
    /// Why there is no status: the program never listened, closed the connection, the deadline passed.
    package var error: String?
    /// The start of the response body (bounded), which a proxy's error page explains itself in.
    package var bodyHead: String?
    package var seconds: Double

    package init(url: String, status: Int? = nil, statusLine: String? = nil, error: String? = nil, bodyHead: String? = nil, seconds: Double) {
        self.url = url
        self.status = status
        self.statusLine = statusLine
        self.error = error
        self.bodyHead = bodyHead
        self.seconds = seconds
    }

    /// A 2xx or 3xx answer: the program fetched from its origin.
    package var succeeded: Bool { status.map { (200..<400).contains($0) } ?? false }

    /// `request → 502`, `request → no answer (connection refused)`.
    package var summary: String {
        if let status { return "request → \(status)" }
        return "request → no answer (\(error ?? "none"))"
    }
}
