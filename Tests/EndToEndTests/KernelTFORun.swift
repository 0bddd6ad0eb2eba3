import Foundation
import MatrixModel

/// The kernel side, in private network namespaces the tool makes itself: one run of
/// tcp_fastopen 0, 1 and 3 across the linked OpenSSL and Debian's 3.5 and 3.6,
/// with the host's own tcp_fastopen read before and after.
enum KernelTFORun {
    static func hostTCPFastopen() throws -> String {
        try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_fastopen", encoding: .utf8)
    }

    struct Outcome: Sendable {
        let report: Report
        let hostBefore: String
        let hostAfter: String
    }

    static let result: Result<Outcome, any Error> = Result {
        let arguments = ["matrix", "--runtime", "system", "--runtime", try Runtimes.fetch("trixie"), "--runtime", try Runtimes.fetch("sid"),
                         "--kernel-tfo", "0,1,0x3", "--phase", "handshake", "--format", "json"]
        let before = try hostTCPFastopen()
        let run = try CLI.run(arguments)
        let after = try hostTCPFastopen()
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(arguments: arguments, status: run.status, stderr: run.stderr) }
        return Outcome(report: try Report.decode(run.stdout), hostBefore: before, hostAfter: after)
    }
}
