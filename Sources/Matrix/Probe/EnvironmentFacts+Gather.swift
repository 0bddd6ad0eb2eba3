import Foundation
import MatrixModel
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Reading the facts off this host: the kernel, its TFO setting, IPv6 on loopback,
/// the capabilities, the OpenSSL this process loaded. The model only holds them.
extension EnvironmentFacts {
    package static func gather() -> EnvironmentFacts {
        let capabilities = Capabilities.effective()
        let ipv6 = ipv6LoopbackProblem()
        return EnvironmentFacts(
            toolVersion: ToolVersion.current,
            hostname: ProcessInfo.processInfo.hostName,
            kernelRelease: kernelRelease(),
            tcpFastopen: readTCPFastopen(),
            ipv6Loopback: ipv6 == nil,
            ipv6LoopbackReason: ipv6,
            tcpFastOpenConnect: TFOConnectFact(KernelTFOSupport.probe()),
            effectiveCapabilities: capabilities,
            relevantCapabilities: Dictionary(uniqueKeysWithValues: Capabilities.relevant.map {
                ($0, capabilities?.contains($0) ?? false)
            }),
            openSSL: .current
        )
    }

    package static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Accepts decimal or `0x` hex, as the file and `sysctl` may show it.
    package static func readTCPFastopen(path: String = "/proc/sys/net/ipv4/tcp_fastopen") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("0x") { return Int(trimmed.dropFirst(2), radix: 16) }
        return Int(trimmed)
    }

    /// `nil` when a TCP socket can bind `[::1]`; otherwise why not.
    package static func ipv6LoopbackProblem() -> String? {
        do {
            let socket = try Socket(family: .ipv6)
            let address = SocketAddress(family: .ipv6, host: "::1", port: 0)!
            guard address.withSockaddr({ bind(socket.fileDescriptor, $0, $1) }) == 0 else {
                return "bind([::1]:0) failed: \(ErrnoName.of(errno))"
            }
            return nil
        } catch {
            return "no IPv6 TCP socket: \(error)"
        }
    }
}
