import Matrix
import MatrixModel
import ReportRendering

/// `tlsprobe --version`, in the manner of `curl -V`: the tool, the OpenSSL it is
/// linked against and the one it loaded, the kernel facts that decide TFO, and
/// what this build can do. A bug report needs no other command to say what ran.
struct VersionRenderer: Sendable {
    package init() {}

    /// `build`: the running executable's linker build id, so a report can be traced to the
    /// exact binary (`readelf -n` shows the same digits), and the git commit it was built
    /// from when packaging recorded one (`commit unknown` for a plain `swift build`).
    package func render(_ facts: EnvironmentFacts, build: BuildIdentity) -> String {
        let ssl = facts.openSSL
        let capabilities = facts.relevantCapabilities.keys.sorted().map { "\($0)=\(facts.relevantCapabilities[$0]! ? "yes" : "no")" }
        let lines = [
            "tlsprobe \(facts.toolVersion) (build \(build.buildID ?? "unknown"); commit \(build.commit ?? "unknown"); Linux \(facts.kernelRelease)) \(ssl.runtimeVersionText)",
            "OpenSSL: headers \(ssl.headerVersionText); loaded \(ssl.runtimeVersionText) from \(ssl.libsslPath ?? "unknown path")",
            "OpenSSL socket BIO: owns its data pointer: \(ssl.socketBIOOwnsData ? "yes" : "no"); BIO_SOCK_TFO: \(ssl.nativeTFO ? "yes" : "no")",
            "Kernel: tcp_fastopen=\(facts.tcpFastopen.map(String.init) ?? "unreadable"); \(facts.tcpFastOpenConnect); IPv6 loopback: \(facts.ipv6Loopback ? "yes" : "no")",
            "Capabilities: \(capabilities.joined(separator: " ")) (--kernel-tfo needs both)",
            "Modes: \(BIOMode.allCases.map(\.rawValue).joined(separator: " "))",
            "Features: matrix gate merge env audit; formats text json markdown junit sarif (audit); runtime folders and lines (1.1.1 to 4.0); BIO plug-ins (ABI \(BIOPlugin.abi)); kernel-tfo namespaces; allocation accounting; libc-boundary write observer",
        ]
        return lines.map(TerminalText.escape).joined(separator: "\n") + "\n"
    }
}
