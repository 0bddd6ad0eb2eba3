import CLinux
import Foundation
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Why a private network namespace could not be made; its cells are `skipped` with this.
public struct NamespaceError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// A private network namespace for the calling process, with loopback up and
/// its own `tcp_fastopen`: how tlsprobe varies the kernel's TFO bits without
/// touching the host's.
///
/// A namespace belongs to a thread and is inherited by threads made later, so
/// `enter` must run first thing in a worker, before any other thread exists.
public enum NetworkNamespace {
    /// What entering needs: `unshare(CLONE_NEWNET)` and setting a net sysctl inside.
    public static let requiredCapabilities = ["cap_sys_admin", "cap_net_admin"]

    /// The required capabilities this process lacks (empty when it has them all).
    public static func missingCapabilities() -> [String] {
        let effective = Capabilities.effective() ?? []
        return requiredCapabilities.filter { !effective.contains($0) }
    }

    /// Why namespace cells cannot run here, or `nil` when they can.
    public static func unavailableReason() -> String? {
        let missing = missingCapabilities()
        guard !missing.isEmpty else { return nil }
        return "a private network namespace needs \(requiredCapabilities.joined(separator: " and ")); this process lacks \(missing.joined(separator: " and "))"
    }

    /// Moves the calling thread (and every thread it makes later) into a new
    /// network namespace, brings `lo` up and sets `tcp_fastopen` there.
    public static func enter(tcpFastopen value: Int) throws(NamespaceError) {
        if let reason = unavailableReason() { throw NamespaceError(description: reason) }
        guard tlsprobe_unshare(tlsprobe_CLONE_NEWNET) == 0 else {
            throw NamespaceError(description: "unshare(CLONE_NEWNET) failed: \(ErrnoText.of(errno))")
        }
        try bringLoopbackUp()
        let path = "/proc/sys/net/ipv4/tcp_fastopen"
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw NamespaceError(description: "cannot open \(path) for writing in the new namespace: \(ErrnoText.of(errno))")
        }
        do {
            try handle.write(contentsOf: Data("\(value)\n".utf8))
            try handle.close()
        } catch {
            throw NamespaceError(description: "cannot set tcp_fastopen=\(value) in the new namespace: \(error)")
        }
        guard EnvironmentFacts.readTCPFastopen() == value else {
            throw NamespaceError(description: "tcp_fastopen reads \(EnvironmentFacts.readTCPFastopen().map(String.init) ?? "nothing") after writing \(value)")
        }
    }

    /// `ifreq` as Linux lays it out: a 16-byte name, then the flags at offset 16.
    private static let interfaceRequestSize = 40
    private static let siocgifflags: UInt = 0x8913
    private static let siocsifflags: UInt = 0x8914
    private static let iffUp: Int16 = 0x1

    private static func bringLoopbackUp() throws(NamespaceError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NamespaceError(description: "socket for ioctl failed: \(ErrnoText.of(errno))") }
        defer { close(fd) }
        var request = [UInt8](repeating: 0, count: interfaceRequestSize)
        request.replaceSubrange(0..<2, with: Array("lo".utf8))
        let result = request.withUnsafeMutableBytes { raw -> Int32 in
            guard ioctl(fd, siocgifflags, raw.baseAddress!) == 0 else { return errno }
            let flags = raw.load(fromByteOffset: 16, as: Int16.self) | iffUp
            raw.storeBytes(of: flags, toByteOffset: 16, as: Int16.self)
            return ioctl(fd, siocsifflags, raw.baseAddress!) == 0 ? 0 : errno
        }
        guard result == 0 else { throw NamespaceError(description: "cannot bring lo up: \(ErrnoText.of(result))") }
    }

    /// Forgets the TFO cookies this namespace's kernel cached (`ip tcp_metrics flush all`),
    /// so a cell's first connection does not depend on the cells before it.
    /// Only ever called inside a private namespace: the host's cache is not ours to clear.
    static func flushTCPMetrics() -> String? {
        guard let child = try? ChildProcess(arguments: ["/usr/sbin/ip", "tcp_metrics", "flush", "all"],
                                            environment: ProcessInfo.processInfo.environment) else {
            return "cannot run /usr/sbin/ip to flush the TFO cookie cache"
        }
        return child.wait() == .exited(0) ? nil : "ip tcp_metrics flush all failed"
    }
}

/// `EPERM (Operation not permitted)`: symbolic name and text.
enum ErrnoText {
    static func of(_ code: Int32) -> String {
        "\(ErrnoName.of(code)) (\(String(cString: strerror(code))))"
    }
}
