import MatrixModel


/// The terminal view of `EnvironmentFacts`.
package struct EnvironmentRenderer: Sendable {
    package init() {}

    package func render(_ facts: EnvironmentFacts) -> String {
        let ssl = facts.openSSL
        let capabilities = facts.relevantCapabilities.keys.sorted().map {
            "\($0)=\(facts.relevantCapabilities[$0]! ? "yes" : "no")"
        }
        let rows: [(String, String)] = [
            ("tool", "tlsprobe \(facts.toolVersion)"),
            ("host", facts.hostname),
            ("kernel", facts.kernelRelease),
            ("tcp_fastopen", facts.tcpFastopen.map { "\($0) (0x\(String($0, radix: 16)))" } ?? "unreadable"),
            ("TCP_FASTOPEN_CONNECT", facts.tcpFastOpenConnect.description),
            ("IPv6 loopback", facts.ipv6Loopback ? "yes" : "no: \(facts.ipv6LoopbackReason ?? "")"),
            ("capabilities", capabilities.joined(separator: " ")),
            ("OpenSSL headers", "\(ssl.headerVersionText) (0x\(String(ssl.headerVersionNumber, radix: 16)))"),
            ("OpenSSL runtime", "\(ssl.runtimeVersionText) (0x\(String(ssl.runtimeVersionNumber, radix: 16)))"),
            ("libssl", ssl.libsslPath ?? "unknown"),
            ("libcrypto", ssl.libcryptoPath ?? "unknown"),
            ("socketBIOOwnsData", ssl.socketBIOOwnsData ? "yes" : "no"),
            ("nativeTFO", ssl.nativeTFO ? "yes" : "no"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "\($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \(TerminalText.escape($0.1))" }
            .joined(separator: "\n") + "\n"
    }
}
