import Foundation
import Matrix
import MatrixModel
import Testing

/// tcp_fastopen 0, 1 and 3, each in a private network namespace (`KernelTFORun`).
@Suite struct KernelTFOTests {
    func requireNamespaces() throws {
        try #require(NetworkNamespace.unavailableReason() == nil,
                     "these tests make network namespaces and must run as root with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI does)")
    }

    @Test func everyCellHasAnOutcomeAndTheHostIsUntouched() throws {
        try requireNamespaces()
        let run = try KernelTFORun.result.get()
        #expect(run.hostBefore == run.hostAfter)
        let planned = MatrixPlan(phases: [.handshake]).cells.count
        #expect(run.report.cells.count == 3 * 3 * planned)
        #expect(run.report.cells.allSatisfy { $0.privateNamespace })
        #expect(Set(run.report.cells.compactMap(\.kernelTFO)) == [0, 1, 3])
        #expect(run.report.cells.allSatisfy { $0.outcome != .skipped || $0.family == .ipv6 })
    }

    /// Where the socket BIO owns its data pointer, the legacy design's TFO-off errno is
    /// what the kernel returned for each value: the cell's errno is the recorded syscall's.
    @Test func legacyErrnoFollowsTheKernel() throws {
        try requireNamespaces()
        let report = try KernelTFORun.result.get().report
        try #require(!report.runtimes(openSSL: 3, 5).isEmpty, "no runtime measured OpenSSL 3.5: \(report.runtimes.map(\.name))")
        let owning = report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == true }
        #expect(owning.count >= 2, "at least the fetched 3.5 and 3.6")
        for runtime in owning {
            let cells = report.cells(of: runtime).filter {
                $0.mode == .legacyFastOpen && $0.tfo == .off && $0.outcome != .skipped
            }
            #expect(Set(cells.compactMap(\.kernelTFO)) == [0, 1, 3], "\(runtime.name)")
            for cell in cells {
                let write = try #require(cell.firstWrite, "\(runtime.name) \(cell.name)")
                #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name)")
                #expect(write.syscall == .sendto && write.addressLength == 0 && write.result == -1, "\(runtime.name) \(cell.name)")
                #expect(write.errno != nil, "\(runtime.name) \(cell.name)")
                #expect(cell.errno == write.errno,
                        "\(runtime.name) kernelTFO \(cell.kernelTFO ?? -1): cell errno \(cell.errnoName ?? "-") vs syscall \(write.errnoName ?? "-")")
            }
        }
    }

    @Test func withClientAndServerBitsTheFixCarriesDataInTheSYN() throws {
        try requireNamespaces()
        let report = try KernelTFORun.result.get().report
        let cells = report.cells.filter {
            $0.kernelTFO == 3 && $0.tfo == .on && ($0.mode == .proxyCore || $0.mode == .fastOpenConnect) && $0.outcome != .skipped
        }
        #expect(cells.count >= 6, "two modes × at least IPv4 × three runtimes")
        #expect(Set(cells.map(\.runtime)).count == 3)
        for cell in cells {
            #expect(cell.outcome == .ok)
            #expect(cell.tfoEvidence.tfoEffective == .yes, "\(cell.runtime) \(cell.cell.name): \(cell.tfoEvidence.detail)")
            #expect(cell.tfoEvidence.connection == 2)
            #expect(cell.tfoEvidence.synDataAcked == true || (cell.tfoEvidence.counters?["TCPFastOpenActive"] ?? 0) > 0)
        }
    }

    @Test func withTFOOffInTheKernelTFOModesFallBackOrSayWhy() throws {
        try requireNamespaces()
        let report = try KernelTFORun.result.get().report
        let cells = report.cells.filter { $0.kernelTFO == 0 && $0.tfo == .on && $0.outcome != .skipped }
        #expect(!cells.isEmpty)
        for cell in cells {
            #expect(cell.tfoEvidence.tfoEffective != .yes, "\(cell.cell.name): no TFO without the client bit")
            switch cell.outcome {
            case .ok:
                break
            case .failed, .unsupported:
                #expect(cell.reason?.isEmpty == false, "\(cell.cell.name) failed without saying why")
            default:
                Issue.record("\(cell.runtime) \(cell.cell.name): \(cell.outcome.rawValue)")
            }
        }
        for cell in cells where cell.mode == .fastOpenConnect || cell.mode == .proxyCore {
            #expect(cell.outcome == .ok)
            #expect(cell.notes.contains { $0.contains("fell back to a plain connect()") }, "\(cell.notes)")
        }
    }

    /// Failing calls (EOPNOTSUPP from the kernel, errors raised by BIO_connect) must not
    /// look like leaks: only the designs that put their own pointer in the data pointer of a
    /// BIO with the socket BIO's methods lose OpenSSL memory, on any value.
    @Test func onlyTheDataPointerDesignsLoseMemory() throws {
        try requireNamespaces()
        let report = try KernelTFORun.result.get().report
        let losing: Set<BIOMode> = [.legacyFastOpen, .nulledFastOpen, .appDataPointer]
        for cell in report.cells where cell.outcome != .skipped {
            let memory = try #require(cell.memory, "\(cell.runtime) \(cell.cell.name) tcp_fastopen=\(cell.kernelTFO ?? -1) was not accounted")
            if !losing.contains(cell.mode) {
                #expect(memory.isClean, "\(cell.runtime) \(cell.cell.name) tcp_fastopen=\(cell.kernelTFO ?? -1): \(memory)")
            }
        }
    }

    /// Without the capabilities the namespace cells are skipped, naming what is missing;
    /// as not one cell could be probed, the report is still printed and the run exits 3.
    @Test func withoutCapabilitiesNamespaceCellsAreSkipped() throws {
        try requireNamespaces()
        let run = try CLI.run(["matrix", "--runtime", "system", "--kernel-tfo", "3", "--mode", "fd", "--format", "json"],
                              through: ["/usr/bin/setpriv", "--bounding-set", "-sys_admin,-net_admin"])
        let report = try Report.decode(run.stdout)
        #expect(report.cells.count == 4)
        NothingProbed.expect(run, report: report, planned: MatrixPlan(modes: [.fd]).cells)
        for cell in report.cells {
            #expect(cell.outcome == .skipped)
            #expect(cell.reason?.contains("cap_sys_admin") == true && cell.reason?.contains("cap_net_admin") == true,
                    "\(cell.reason ?? "")")
        }
        #expect(report.environment.relevantCapabilities["cap_sys_admin"] == false)
    }
}
