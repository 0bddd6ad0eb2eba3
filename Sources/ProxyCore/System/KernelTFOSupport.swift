internal import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// What this kernel (in this network namespace) says about client-side TCP
/// Fast Open through `TCP_FASTOPEN_CONNECT`, asked on a scratch socket.
public enum KernelTFOSupport: Sendable, Equatable, CustomStringConvertible {
    /// `setsockopt(TCP_FASTOPEN_CONNECT)` accepted.
    case available
    /// The option exists but client TFO is off here (`tcp_fastopen` lacks bit 1): `EOPNOTSUPP`.
    case disabled(errno: Int32)
    /// The kernel has no such option (Linux before 4.11): typically `ENOPROTOOPT`.
    case absent(errno: Int32)

    /// Asks the kernel, in this network namespace, on a scratch socket.
    public static func probe() -> KernelTFOSupport {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .absent(errno: errno) }
        defer { close(fd) }
        var one: Int32 = 1
        if setsockopt(fd, Int32(IPPROTO_TCP), tlsprobe_TCP_FASTOPEN_CONNECT, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 {
            return .available
        }
        let code = errno
        return code == EOPNOTSUPP ? .disabled(errno: code) : .absent(errno: code)
    }

    /// The answer in a line, with the errno by name: how the policy's notes quote it.
    public var description: String {
        switch self {
        case .available: "TCP_FASTOPEN_CONNECT available"
        case .disabled(let code): "TCP_FASTOPEN_CONNECT refused (\(ErrnoName.of(code))): client TFO is off in this namespace"
        case .absent(let code): "TCP_FASTOPEN_CONNECT unknown to this kernel (\(ErrnoName.of(code)))"
        }
    }
}
