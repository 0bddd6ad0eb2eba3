import Foundation
import MatrixModel
import ProxyCore
import Testing

/// The libc-boundary observer (the worker's own sendto/send/sendmsg/write/writev)
/// against each built-in mode's own record of the first write, on the shared
/// three-runtime run: two independent witnesses of the same call.
@Suite struct WriteObserverTests {
    @Test func theLibcBoundaryAgreesWithEveryBIOsOwnRecord() throws {
        let report = try Runtimes.report.get()
        for cell in report.cells {
            #expect(cell.observerConflict == nil, "\(cell.runtime) \(cell.name): \(cell.observerConflict ?? "")")
            guard let bio = cell.bioFirstWrite else { continue }
            let libc = try #require(cell.firstWrite)
            #expect(libc.observedBy == .libcBoundary, "\(cell.runtime) \(cell.name)")
            #expect(libc.sameCall(as: bio), "\(cell.runtime) \(cell.name): \(libc.summary) vs \(bio.summary)")
        }
        // Every mode that writes was seen by both witnesses at least once, on every runtime.
        for runtime in report.runtimes {
            let cells = report.cells(of: runtime).filter { $0.phase == .handshake }
            for mode in BIOMode.allCases {
                let both = cells.filter { $0.mode == mode && $0.bioFirstWrite != nil }
                let wrote = cells.contains { $0.mode == mode && $0.firstWrite != nil }
                if wrote { #expect(!both.isEmpty, "\(runtime.name) \(mode.rawValue): no cell seen by both observers") }
            }
        }
    }

    /// The legacy design's failing call, as the kernel was asked for it.
    @Test func theLibcBoundarySeesTheLegacyEINVAL() throws {
        let report = try Runtimes.report.get()
        let owning = report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == true }
        #expect(!owning.isEmpty)
        for runtime in owning {
            let cells = report.cells(of: runtime).filter {
                $0.mode == .legacyFastOpen && $0.tfo == .off && $0.phase == .handshake && $0.outcome != .skipped
            }
            #expect(!cells.isEmpty, "\(runtime.name): no legacy TFO-off handshake ran")
            for cell in cells {
                let write = try #require(cell.firstWrite, "\(runtime.name) \(cell.name)")
                #expect(write.observedBy == .libcBoundary)
                #expect(write.syscall == .sendto && write.flags == ["MSG_FASTOPEN"] && write.addressLength == 0
                        && write.errno == .invalidArgument, "\(runtime.name) \(cell.name): \(write.summary)")
            }
        }
    }
}
