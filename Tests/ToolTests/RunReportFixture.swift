import Foundation
@testable import MatrixModel
@testable import RunModel

/// Fixed `tlsprobe run` reports for the run renderers and the gate's `run` condition:
/// a reverse proxy affected on trixie (sendto with address length 0 → EINVAL, the request
/// answered 502), ok on bookworm, crashed on sid with glibc's words for a bad free, and
/// unsupported on experimental (libssl.so.4); and curl, ok on the system's OpenSSL.
/// Input to code that only formats and judges: nothing here was measured.
enum RunReportFixture {
    static let generatedAt = "2026-05-01T12:00:00Z"
    static let cache = "/root/.cache/tlsprobe/0.1.0-a3fae5d0c5e2ec45/runtimes"

    /// `traffic_server` as a reverse proxy in front of tlsprobe's origin, on four runtimes.
    static func proxy() -> RunReport {
        let program = ProgramFacts(path: "/opt/ts/bin/traffic_server", arguments: ["--httpport", "8080"], abi: "libssl.so.3",
                                   abiFrom: "/opt/ts/lib/libtscore.so.10")
        let origin = OriginFacts(ipv4: "127.0.0.1:8443", ipv6: "[::1]:8443", port: 8443, caFile: "/tmp/tlsprobe-run.Xq3k/ca.pem", served: 1)
        let request = "http://127.0.0.1:8080/"
        return RunReport(generatedAt: generatedAt, toolVersion: "0.1.0",
                         command: ["tlsprobe", "run", "--runtime", "trixie", "--runtime", "bookworm", "--runtime", "sid", "--kernel-tfo", "5",
                                   "--runtime", "experimental", "--origin", "--origin-port", "8443", "--request", request,
                                   "--", "/opt/ts/bin/traffic_server", "--httpport", "8080"],
                         timeoutSeconds: 20, environment: ReportFixture.environment(), program: program, origin: origin, request: request,
                         results: [affected(request), ok(request), crashed(request), unsupported()])
    }

    /// curl fetching from the origin: ok on the system runtime, unsupported on bullseye.
    static func curl() -> RunReport {
        let program = ProgramFacts(path: "/usr/bin/curl", arguments: ["--cacert", "{ca}", "https://{origin}/"], abi: "libssl.so.3",
                                   abiFrom: "/lib/x86_64-linux-gnu/libcurl.so.4")
        let origin = OriginFacts(ipv4: "127.0.0.1:39017", ipv6: nil, port: 39017, caFile: "/tmp/tlsprobe-run.b7Yt/ca.pem", served: 1)
        let write = ObservedWrite(pid: 7001, fd: 5, call: "write", flags: 0, fastOpen: false, socketFamily: "ipv4", result: 517, bytes: 517,
                                  peer: "127.0.0.1:39017")
        let system = ProgramRunResult(
            runtime: "system", abi: "libssl.so.3", expectedLibssl: "/lib/x86_64-linux-gnu/libssl.so.3", kernelTFO: 1, outcome: .ok,
            verdict: "ok", command: ["/usr/bin/curl", "--cacert", "/tmp/tlsprobe-run.b7Yt/ca.pem", "https://127.0.0.1:39017/"],
            processes: [process(7001, "/usr/bin/curl", "/lib/x86_64-linux-gnu", "OpenSSL 3.0.19 27 Jan 2026")], writes: [write],
            exit: ProgramExit(status: 0, stdoutTail: ["tlsprobe origin: ok"]), seconds: 0.08)
        let bullseye = ProgramRunResult(
            runtime: "bullseye", folder: "\(cache)/bullseye", abi: "libssl.so.1.1", outcome: .unsupported,
            verdict: "unsupported: the program loads libssl.so.3 (through libcurl.so.4); bullseye provides libssl.so.1.1")
        return RunReport(generatedAt: generatedAt, toolVersion: "0.1.0",
                         command: ["tlsprobe", "run", "--runtime", "system", "--runtime", "bullseye", "--origin", "--",
                                   "/usr/bin/curl", "--cacert", "{ca}", "https://{origin}/"],
                         timeoutSeconds: 10, environment: ReportFixture.environment(), program: program, origin: origin, request: nil,
                         results: [system, bullseye])
    }

    /// A program that ran nowhere: every runtime another ABI.
    static func nothingRan() -> RunReport {
        let program = ProgramFacts(path: "/usr/bin/curl", arguments: ["https://example.org/"], abi: "libssl.so.3")
        return RunReport(generatedAt: generatedAt, toolVersion: "0.1.0", command: ["tlsprobe", "run", "--runtime", "experimental", "--", "/usr/bin/curl"],
                         timeoutSeconds: 10, environment: ReportFixture.environment(), program: program, origin: nil, request: nil,
                         results: [unsupported()])
    }

    static func process(_ pid: Int32, _ executable: String, _ folder: String, _ version: String) -> ObservedProcess {
        ObservedProcess(pid: pid, executable: executable, libssl: ["\(folder)/libssl.so.3"], libcrypto: ["\(folder)/libcrypto.so.3"],
                        openSSLVersion: version)
    }

    static func affected(_ request: String) -> ProgramRunResult {
        let folder = "\(cache)/trixie"
        let write = ObservedWrite(pid: 4242, fd: 31, call: "sendto", flags: 0x2000_0000, fastOpen: true, socketFamily: "ipv4",
                                  addressFamily: 0, addressLength: 0, expectedAddressLength: 16, result: -1, errno: 22, errnoName: "EINVAL",
                                  bytes: 517)
        return ProgramRunResult(
            runtime: "trixie", folder: folder, abi: "libssl.so.3", expectedLibssl: "\(folder)/libssl.so.3", kernelTFO: 1, outcome: .affected,
            verdict: "AFFECTED on OpenSSL 3.5.4: sendto(MSG_FASTOPEN) address length 0 → EINVAL; request → 502",
            command: ["\(folder)/ld-linux-x86-64.so.2", "--library-path", folder, "--preload", "/usr/lib/tlsprobe/observer.so",
                      "/opt/ts/bin/traffic_server", "--httpport", "8080"],
            processes: [process(4242, "/opt/ts/bin/traffic_server", folder, "OpenSSL 3.5.4 30 Sep 2025")], writes: [write],
            exit: ProgramExit(stoppedBy: .requestAnswered,
                              stderrTail: ["[Dec  7 18:01:02.123] [ET_NET 0] ERROR: connect() to 127.0.0.1:8443 failed: Invalid argument (22)",
                                           "[Dec  7 18:01:02.124] [ET_NET 0] WARNING: Connection to origin 127.0.0.1:8443 failed, returning 502"]),
            request: RequestResult(url: request, status: 502, statusLine: "HTTP/1.1 502 Bad Gateway",
                                   bodyHead: "<HTML><HEAD><TITLE>Could Not Connect</TITLE></HEAD>", seconds: 0.31),
            seconds: 1.42)
    }

    static func ok(_ request: String) -> ProgramRunResult {
        let folder = "\(cache)/bookworm"
        let write = ObservedWrite(pid: 5151, fd: 31, call: "write", flags: 0, fastOpen: false, socketFamily: "ipv4", result: 517, bytes: 517,
                                  peer: "127.0.0.1:8443")
        return ProgramRunResult(
            runtime: "bookworm", folder: folder, abi: "libssl.so.3", expectedLibssl: "\(folder)/libssl.so.3", kernelTFO: 1, outcome: .ok,
            verdict: "ok", command: ["\(folder)/ld-linux-x86-64.so.2", "--library-path", folder, "--preload", "/usr/lib/tlsprobe/observer.so",
                                     "/opt/ts/bin/traffic_server", "--httpport", "8080"],
            processes: [process(5151, "/opt/ts/bin/traffic_server", folder, "OpenSSL 3.0.17 1 Jul 2025")], writes: [write],
            exit: ProgramExit(stoppedBy: .requestAnswered),
            request: RequestResult(url: request, status: 200, statusLine: "HTTP/1.1 200 OK", bodyHead: "tlsprobe origin: ok", seconds: 0.05),
            seconds: 1.18)
    }

    static func crashed(_ request: String) -> ProgramRunResult {
        let folder = "\(cache)/sid"
        let write = ObservedWrite(pid: 6060, fd: 31, call: "sendto", flags: 0x2000_0000, fastOpen: true, socketFamily: "ipv4",
                                  addressFamily: 2, addressLength: 16, expectedAddressLength: 16, result: 517, bytes: 517, peer: "127.0.0.1:8443")
        return ProgramRunResult(
            runtime: "sid", folder: folder, abi: "libssl.so.3", expectedLibssl: "\(folder)/libssl.so.3", kernelTFO: 5, privateNamespace: true,
            outcome: .crashed, verdict: "crashed (SIGABRT, free(): invalid pointer)",
            command: ["\(folder)/ld-linux-x86-64.so.2", "--library-path", folder, "--preload", "/usr/lib/tlsprobe/observer.so",
                      "/opt/ts/bin/traffic_server", "--httpport", "8080"],
            processes: [process(6060, "/opt/ts/bin/traffic_server", folder, "OpenSSL 3.6.0 1 Oct 2025")], writes: [write],
            exit: ProgramExit(signal: "SIGABRT", glibcMessage: "free(): invalid pointer",
                              stderrTail: ["[Dec  7 18:01:05.870] [ET_NET 0] NOTE: TLS handshake with 127.0.0.1:8443 complete", "free(): invalid pointer"]),
            request: RequestResult(url: request, error: "connection reset by peer", seconds: 0.02),
            seconds: 0.96)
    }

    static func unsupported() -> ProgramRunResult {
        ProgramRunResult(runtime: "experimental", folder: "\(cache)/experimental", abi: "libssl.so.4", outcome: .unsupported,
                         verdict: "unsupported: the program loads libssl.so.3; experimental provides libssl.so.4")
    }
}
