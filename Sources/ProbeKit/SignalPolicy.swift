#if canImport(Glibc)
import Glibc
#endif

/// Process-wide signal dispositions the probes rely on.
public enum SignalPolicy {
    /// OpenSSL's socket BIO writes with `write(2)`, which raises SIGPIPE on a
    /// socket whose peer is gone or that never connected (the
    /// `socket-conn-address` trap). Proxies ignore it; a probe must report
    /// EPIPE rather than die, and so must the loopback server when a client
    /// walks away mid-handshake.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }
}
