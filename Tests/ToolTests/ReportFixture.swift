import Foundation
@testable import MatrixModel
@testable import ProxyCore

/// Fixed reports for the renderer, gate and merge tests: every outcome, both
/// findings of a 3.2+ runtime, an unusable runtime, and values that must be
/// escaped. Dates and durations are fixed, so renderings are byte-for-byte stable.
/// Nothing here is a probe result: it is input to code that only formats and judges.
enum ReportFixture {
    /// 2026-05-01T12:00:00Z.
    static let date = Date(timeIntervalSince1970: 1_777_636_800)

    static func openSSL30() -> OpenSSLRuntime {
        OpenSSLRuntime(headerVersionText: "OpenSSL 3.0.19 27 Jan 2026", headerVersionNumber: 0x3000_0130,
                       runtimeVersionText: "OpenSSL 3.0.19 27 Jan 2026", runtimeVersionNumber: 0x3000_0130,
                       libsslPath: "/lib/x86_64-linux-gnu/libssl.so.3", libcryptoPath: "/lib/x86_64-linux-gnu/libcrypto.so.3",
                       socketBIOOwnsData: false, nativeTFO: false)
    }

    static func openSSL35() -> OpenSSLRuntime {
        OpenSSLRuntime(headerVersionText: "OpenSSL 3.0.19 27 Jan 2026", headerVersionNumber: 0x3000_0130,
                       runtimeVersionText: "OpenSSL 3.5.9 29 Sep 2026", runtimeVersionNumber: 0x3050_0090,
                       libsslPath: "/srv/runtimes/trixie/libssl.so.3", libcryptoPath: "/srv/runtimes/trixie/libcrypto.so.3",
                       socketBIOOwnsData: true, nativeTFO: true)
    }

    static func environment(hostname: String = "ci-runner-1") -> EnvironmentFacts {
        EnvironmentFacts(toolVersion: "0.1.0", hostname: hostname, kernelRelease: "6.1.0-42-amd64", tcpFastopen: 1,
                         ipv6Loopback: true, ipv6LoopbackReason: nil, tcpFastOpenConnect: TFOConnectFact(state: .available),
                         effectiveCapabilities: ["cap_net_admin", "cap_sys_admin"],
                         relevantCapabilities: ["cap_net_admin": true, "cap_sys_admin": true], openSSL: openSSL30())
    }

    static func runtime(_ name: String, _ openSSL: OpenSSLRuntime?, error: String? = nil) -> RuntimeSummary {
        var runtime = RuntimeSummary(name: name, folder: name == "system" ? nil : "/srv/runtimes/trixie")
        runtime.openSSL = openSSL
        runtime.memoryAccounting = openSSL.map { _ in true }
        runtime.libssl = openSSL.map { _ in "libssl.so.3" }
        runtime.policyTFOOff = openSSL.map { _ in .fd }
        runtime.policyTFOOn = openSSL.map { _ in .fastOpenConnect }
        runtime.error = error
        return runtime
    }

    static func write(_ family: AddressFamily, sendto length: Int?, result: Int, errno: Int32?) -> FirstWrite {
        FirstWrite(syscall: length == nil ? .write : .sendto, flags: length == nil ? [] : ["MSG_FASTOPEN"],
                   addressLength: length, expectedAddressLength: family == .ipv4 ? 16 : 28, result: result, errno: errno.map { .init(rawValue: $0) },
                   observedBy: length == nil ? .openSSLSocketBIO : .fastOpenBIO)
    }

    static func ok(_ cell: Cell, runtime: String, milliseconds: Double, firstWrite: FirstWrite? = nil) -> CellResult {
        var result = CellResult(cell, runtime: runtime, kernelTFO: 1, outcome: .ok)
        result.strategy = cell.mode == .proxyCore ? (cell.tfo.isOn ? .fastOpenConnect : .fd) : cell.mode
        result.firstWrite = firstWrite ?? write(cell.family, sendto: nil, result: 293, errno: nil)
        result.tlsVersion = "TLSv1.3"
        result.cipher = "TLS_AES_256_GCM_SHA384"
        result.tfoEvidence = TFOEvidence(tfoEffective: .no, connection: 1, synDataAcked: false, serverSynData: false,
                                         detail: "connection 1: client TCP_INFO lacks TCPI_OPT_SYN_DATA")
        result.memory = MemoryEvidence(leakedAllocations: 0, leakedBytes: 0, foreignFrees: 0)
        result.durationMilliseconds = milliseconds
        return result
    }

    static func cell(_ mode: BIOMode, _ tfo: TFOSetting, _ family: AddressFamily, _ phase: Phase = .handshake) -> Cell {
        Cell(mode: mode, tfo: tfo, family: family, phase: phase)
    }

    /// Two usable runtimes (3.0 without findings, 3.5 with both) and one unusable.
    static func report(hostname: String = "ci-runner-1", command: [String] = ["tlsprobe", "matrix", "--runtime", "system",
                       "--runtime", "/srv/runtimes/trixie", "--runtime", "/srv/runtimes/missing", "--format", "markdown"]) -> Report {
        var cells: [CellResult] = []
        // system: OpenSSL 3.0, the legacy design still works.
        cells.append(ok(cell(.fd, .off, .ipv4), runtime: "system", milliseconds: 3.61))
        cells.append(ok(cell(.legacyFastOpen, .off, .ipv4), runtime: "system", milliseconds: 2.58))
        cells.append(ok(cell(.legacyFastOpen, .on, .ipv4), runtime: "system", milliseconds: 2.7,
                        firstWrite: write(.ipv4, sendto: 16, result: -1, errno: EINPROGRESS)))
        cells.append(CellResult(cell(.nativeTFO, .on, .ipv4), runtime: "system", kernelTFO: 1, outcome: .unsupported,
                                reason: "BIO_SOCK_TFO needs OpenSSL 3.2 or later; the loaded runtime is 3.0.19"))
        cells.append(ok(cell(.proxyCore, .off, .ipv4), runtime: "system", milliseconds: 2.04))
        cells.append(CellResult(cell(.proxyCore, .off, .ipv6), runtime: "system", kernelTFO: 1, outcome: .skipped,
                                reason: "no IPv6 loopback: bind([::1]:0) failed: EADDRNOTAVAIL"))

        // trixie: OpenSSL 3.5, the regression and the trap.
        let trixie = "/srv/runtimes/trixie"
        var regression = CellResult(cell(.legacyFastOpen, .off, .ipv4), runtime: trixie, kernelTFO: 1, outcome: .failed,
                                    reason: "handshake: system call failed with EINVAL")
        regression.strategy = .legacyFastOpen
        regression.firstWrite = write(.ipv4, sendto: 0, result: -1, errno: EINVAL)
        regression.errno = .invalidArgument
        regression.memory = MemoryEvidence(leakedAllocations: 1, leakedBytes: 120, foreignFrees: 0)
        regression.durationMilliseconds = 0.84
        cells.append(regression)

        var teardown = CellResult(cell(.legacyFastOpen, .on, .ipv4, .teardown), runtime: trixie, kernelTFO: 1, outcome: .failed,
                                  reason: "OpenSSL freed 1 pointer(s) it never allocated")
        teardown.strategy = .legacyFastOpen
        teardown.notes = ["released before the first write"]
        teardown.memory = MemoryEvidence(leakedAllocations: 1, leakedBytes: 120, foreignFrees: 1)
        teardown.durationMilliseconds = 0.31
        cells.append(teardown)

        // Values a renderer must escape: markup, XML specials, a pipe, a terminal escape.
        var trap = CellResult(cell(.socketConnAddress, .on, .ipv4), runtime: trixie, kernelTFO: 1, outcome: .failed,
                              reason: "handshake: write() on an unconnected socket | EPIPE <not \"connected\"> & *no* `peer`")
        trap.strategy = .socketConnAddress
        trap.firstWrite = write(.ipv4, sendto: nil, result: -1, errno: EPIPE)
        trap.openSSLErrors = ["error:8000006B:system library::Broken pipe <fd=7> & \u{1B}[31mred\u{1B}[0m 'quoted'",
                              "error:0A000197:SSL routines::shutdown while in init"]
        trap.memory = MemoryEvidence(leakedAllocations: 0, leakedBytes: 0, foreignFrees: 0)
        trap.durationMilliseconds = 0.55
        cells.append(trap)

        var crashed = CellResult(cell(.exDataFastOpen, .on, .ipv4), runtime: trixie, kernelTFO: 1, outcome: .crashed,
                                 reason: "the worker died (signal SIGSEGV) during the cell")
        crashed.signal = "SIGSEGV"
        crashed.durationMilliseconds = 12
        cells.append(crashed)

        var timeout = CellResult(cell(.nativeTFO, .on, .ipv6), runtime: trixie, kernelTFO: 1, outcome: .timeout,
                                 reason: "no result within the 5.0 s deadline; the worker was killed")
        timeout.durationMilliseconds = 6000
        cells.append(timeout)
        cells.append(ok(cell(.proxyCore, .off, .ipv4), runtime: trixie, milliseconds: 1.99))

        let runtimes = [runtime("system", openSSL30()), runtime(trixie, openSSL35()),
                        runtime("/srv/runtimes/missing", nil, error: "no such folder")]
        return Report(command: command, timeoutSeconds: 5, environment: environment(hostname: hostname),
                      runtimes: runtimes, cells: cells, generatedAt: date)
    }

    /// One usable 3.0 runtime whose cells all pass.
    static func cleanReport(hostname: String, date: Date = ReportFixture.date) -> Report {
        let cells = [ok(cell(.proxyCore, .off, .ipv4), runtime: "system", milliseconds: 2),
                     ok(cell(.legacyFastOpen, .off, .ipv4), runtime: "system", milliseconds: 2)]
        return Report(command: ["tlsprobe", "matrix", "--format", "json"], timeoutSeconds: 5,
                      environment: environment(hostname: hostname), runtimes: [runtime("system", openSSL30())],
                      cells: cells, generatedAt: date)
    }
}
