import CLinux
import Foundation
import MatrixModel
import ProcessKit
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// A private network namespace for the calling process, with loopback up and
/// its own `tcp_fastopen`: how tlsprobe varies the kernel's TFO bits without
/// touching the host's.
///
/// A namespace belongs to a thread and is inherited by threads made later, so
/// `enter` must run first thing in a worker, before any other thread exists.
package enum NetworkNamespace {
    /// What entering needs: `unshare(CLONE_NEWNET)` and setting a net sysctl inside.
    package static let requiredCapabilities = ["cap_sys_admin", "cap_net_admin"]

    /// The required capabilities this process lacks (empty when it has them all).
    package static func missingCapabilities() -> [String] {
        let effective = Capabilities.effective() ?? []
        return requiredCapabilities.filter { !effective.contains($0) }
    }

    /// Why namespace cells cannot run here, or `nil` when they can.
    package static func unavailableReason() -> String? {
        let missing = missingCapabilities()
        guard !missing.isEmpty else { return nil }
        return "a private network namespace needs \(requiredCapabilities.joined(separator: " and ")); this process lacks \(missing.joined(separator: " and "))"
    }

    /// Moves the calling thread (and every thread it makes later) into a new
    /// network namespace, brings `lo` up and sets `tcp_fastopen` there.
    package static func enter(tcpFastopen value: Int) throws(EnvironmentError) {
        if let reason = unavailableReason() { throw EnvironmentError(reason) }
        guard tlsprobe_unshare_network_namespace() == 0 else {
            throw EnvironmentError("unshare(CLONE_NEWNET) failed: \(ErrnoName.describe(errno))")
        }
        try bringLoopbackUp()
        let path = "/proc/sys/net/ipv4/tcp_fastopen"
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw EnvironmentError("cannot open \(path) for writing in the new namespace: \(ErrnoName.describe(errno))")
        }
        do {
            try handle.write(contentsOf: Data("\(value)\n".utf8))
            try handle.close()
        } catch {
            throw EnvironmentError("cannot set tcp_fastopen=\(value) in the new namespace: \(error)")
        }
        guard EnvironmentFacts.readTCPFastopen() == value else {
            throw EnvironmentError("tcp_fastopen reads \(EnvironmentFacts.readTCPFastopen().map(String.init) ?? "nothing") after writing \(value)")
        }
    }

    private static func bringLoopbackUp() throws(EnvironmentError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw EnvironmentError("socket for ioctl failed: \(ErrnoName.describe(errno))") }
        defer { close(fd) }
        let result = tlsprobe_interface_up(fd, "lo")
        guard result == 0 else { throw EnvironmentError("cannot bring lo up: \(ErrnoName.describe(result))") }
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
