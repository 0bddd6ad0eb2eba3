/// An established, verified TLS connection to an origin, with how it was made.
///
/// Every read, write and shutdown is bounded by a `Deadline`: a proxy can always
/// give up on a stuck origin. A failure throws `OriginIOError`, which carries the
/// connection's `diagnostics` for the proxy's log or its 502 page. The socket is
/// closed by `close()` or, at the latest, when the connection is released.
public final class OriginConnection {
    package let tls: TLSConnection
    /// How the connection was made: the strategy, the policy's notes, the first write.
    public let diagnostics: ConnectDiagnostics

    init(tls: TLSConnection, diagnostics: ConnectDiagnostics) {
        self.tls = tls
        self.diagnostics = diagnostics
    }

    /// Writes all of `bytes`, or throws.
    public func write(_ bytes: [UInt8], deadline: Deadline) throws(OriginIOError) {
        do {
            try tls.write(bytes, until: deadline)
        } catch {
            throw OriginIOError(error, diagnostics: diagnostics)
        }
    }

    /// Reads what has arrived, at most `maximum` bytes and at least one; an empty array
    /// when the origin closed the connection cleanly (its close_notify).
    public func read(maximum: Int, deadline: Deadline) throws(OriginIOError) -> [UInt8] {
        do {
            return try tls.read(maximum: max(1, maximum), until: deadline)
        } catch where error.kind == .peerClosed && error.sslErrorCode == TLSError.zeroReturn {
            return []
        } catch {
            throw OriginIOError(error, diagnostics: diagnostics)
        }
    }

    /// Sends TLS close_notify; with `waitForOrigin`, also waits for the origin's. Nothing can be
    /// written after it. A proxy that shuts down cleanly calls this, then `close()`.
    public func shutdown(deadline: Deadline, waitForOrigin: Bool = false) throws(OriginIOError) {
        do {
            try tls.shutdown(until: deadline, waitForPeer: waitForOrigin)
        } catch {
            throw OriginIOError(error, diagnostics: diagnostics)
        }
    }

    /// Closes the socket now; every later call throws (`TLSError.Kind.closed`). Idempotent.
    public func close() {
        tls.close()
    }

    /// The TLS version negotiated: `TLSv1.3`, `TLSv1.2`.
    public var protocolVersion: String { tls.protocolVersion }

    /// The cipher suite negotiated, by OpenSSL's name.
    public var cipher: String? { tls.cipher }
}
