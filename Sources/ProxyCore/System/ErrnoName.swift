internal import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// The one place errno values become names: bug reports quote `EINVAL`, not `22`
/// (the numbers differ between architectures).
public enum ErrnoName {
    /// For C libraries older than glibc 2.32, which lack `strerrorname_np`: the
    /// values a TLS connect, a worker or a namespace can meet.
    private static let fallback: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EBADF: "EBADF", EAGAIN: "EAGAIN",
        ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EINVAL: "EINVAL", EPIPE: "EPIPE", EMFILE: "EMFILE",
        ENFILE: "ENFILE", ENOSPC: "ENOSPC", EFBIG: "EFBIG",
        ENOTSOCK: "ENOTSOCK", EDESTADDRREQ: "EDESTADDRREQ", EMSGSIZE: "EMSGSIZE",
        ENOPROTOOPT: "ENOPROTOOPT", EPROTONOSUPPORT: "EPROTONOSUPPORT", EOPNOTSUPP: "EOPNOTSUPP",
        EAFNOSUPPORT: "EAFNOSUPPORT", EADDRINUSE: "EADDRINUSE", EADDRNOTAVAIL: "EADDRNOTAVAIL",
        ENETDOWN: "ENETDOWN", ENETUNREACH: "ENETUNREACH", ECONNABORTED: "ECONNABORTED",
        ECONNRESET: "ECONNRESET", ENOBUFS: "ENOBUFS", EISCONN: "EISCONN", ENOTCONN: "ENOTCONN",
        ETIMEDOUT: "ETIMEDOUT", ECONNREFUSED: "ECONNREFUSED", EHOSTUNREACH: "EHOSTUNREACH",
        EALREADY: "EALREADY", EINPROGRESS: "EINPROGRESS", ENOSYS: "ENOSYS",
    ]

    /// `EINVAL` for `EINVAL`; `E#1234` for a value no table names, never a guess.
    public static func of(_ code: Int32) -> String {
        if let name = tlsprobe_errno_name(code) { return String(cString: name) }
        return fallback[code] ?? "E#\(code)"
    }

    /// `EPERM (Operation not permitted)`: the name and the C library's text, for messages a person reads.
    public static func describe(_ code: Int32) -> String {
        "\(of(code)) (\(String(cString: strerror(code))))"
    }
}
