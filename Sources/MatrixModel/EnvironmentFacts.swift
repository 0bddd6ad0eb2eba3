import Foundation
import ProxyCore
import ToolCore

/// What the machine looked like when the probes ran: the kernel side of every result.
package struct EnvironmentFacts: Sendable, Codable, Equatable {
    package var toolVersion: String
    package var hostname: String
    package var kernelRelease: String
    /// `/proc/sys/net/ipv4/tcp_fastopen` of this network namespace (read only, never written).
    package var tcpFastopen: Int?
    package var ipv6Loopback: Bool
    /// Why IPv6 loopback is unusable, when it is.
    package var ipv6LoopbackReason: String?
    /// What `setsockopt(TCP_FASTOPEN_CONNECT)` says on a scratch socket.
    package var tcpFastOpenConnect: TFOConnectFact
    /// Effective capabilities, by name; `nil` when libcap could not read them.
    package var effectiveCapabilities: [String]?
    /// For each capability tlsprobe may need, whether it is effective.
    package var relevantCapabilities: [String: Bool]
    /// The OpenSSL this process loaded.
    package var openSSL: OpenSSLRuntime

    package init(toolVersion: String, hostname: String, kernelRelease: String, tcpFastopen: Int? = nil, ipv6Loopback: Bool, ipv6LoopbackReason: String? = nil, tcpFastOpenConnect: TFOConnectFact, effectiveCapabilities: [String]? = nil, relevantCapabilities: [String: Bool], openSSL: OpenSSLRuntime) {
        self.toolVersion = toolVersion
        self.hostname = hostname
        self.kernelRelease = kernelRelease
        self.tcpFastopen = tcpFastopen
        self.ipv6Loopback = ipv6Loopback
        self.ipv6LoopbackReason = ipv6LoopbackReason
        self.tcpFastOpenConnect = tcpFastOpenConnect
        self.effectiveCapabilities = effectiveCapabilities
        self.relevantCapabilities = relevantCapabilities
        self.openSSL = openSSL
    }
}
