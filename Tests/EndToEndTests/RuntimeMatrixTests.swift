import Foundation
import MatrixModel
import Testing

/// The regression and the fix side by side: the linked OpenSSL, whatever it is, and
/// Debian's 3.5 and 3.6 (`Runtimes.matrix`). What a runtime's cells must do follows
/// from what its worker measured (`socketBIOOwnsData`, `nativeTFO`, the version),
/// never from a folder's name or an assumption about the host.
@Suite struct RuntimeMatrixTests {
    @Test func eachRuntimeLoadedItsOwnLibrary() throws {
        let report = try Runtimes.report.get()
        #expect(report.runtimes.count == 3)
        #expect(report.runtimeErrors.isEmpty)
        #expect(report.runtimes.first?.name == "system")
        // The system runtime's workers load what the binary itself links.
        let system = try #require(report.runtimes.first { $0.name == "system" })
        let linked = try #require(system.openSSL)
        #expect(system.folder == nil)
        #expect(linked.libsslPath == report.environment.openSSL.libsslPath)
        #expect(linked.runtimeVersionNumber == report.environment.openSSL.runtimeVersionNumber)
        let fetched = report.runtimes.filter { $0.name != "system" }
        for runtime in fetched {
            let folder = try #require(runtime.folder)
            let loaded = try #require(runtime.openSSL?.libsslPath)
            #expect(URL(fileURLWithPath: loaded).resolvingSymlinksInPath().path.hasPrefix(folder), "\(loaded) not in \(folder)")
        }
        // trixie and sid, as their workers measured them.
        let versions = fetched.compactMap { $0.openSSL.map { [$0.runtimeMajor, $0.runtimeMinor] } }
        #expect(versions.sorted { $0.lexicographicallyPrecedes($1) } == [[3, 5], [3, 6]])
        // The 3.2 change, observed by each worker, is where the version says it is.
        for runtime in report.runtimes {
            let openSSL = try #require(runtime.openSSL, "\(runtime.name)")
            let from32 = openSSL.runtimeMajor > 3 || (openSSL.runtimeMajor == 3 && openSSL.runtimeMinor >= 2)
            #expect(openSSL.socketBIOOwnsData == from32, "\(runtime.name): OpenSSL \(openSSL.runtimeVersion)")
            #expect(openSSL.nativeTFO == from32, "\(runtime.name): OpenSSL \(openSSL.runtimeVersion)")
            #expect(runtime.memoryAccounting == true, "\(runtime.name)")
        }
        #expect(report.cells.count == 3 * MatrixPlan().cells.count, "every planned cell has an outcome")
    }

    /// Wherever the socket BIO owns its data pointer, the legacy design takes OpenSSL's
    /// zeroed struct for its destination: every TFO-off handshake fails in sendto.
    @Test func legacyDesignFailsWithTFOOffWhereTheSocketBIOOwnsItsData() throws {
        let report = try Runtimes.report.get()
        let clientBit = (report.environment.tcpFastopen ?? 0) & 1 != 0
        let owning = report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == true }
        #expect(owning.count >= 2, "at least the fetched 3.5 and 3.6")
        for runtime in owning {
            let legacy = report.cells(of: runtime).filter {
                $0.mode == .legacyFastOpen && $0.tfo == .off && $0.phase == .handshake
            }
            #expect(legacy.count == 2, "\(runtime.name)")
            for cell in legacy {
                #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name)")
                let write = try #require(cell.firstWrite, "\(runtime.name) \(cell.name)")
                #expect(write.syscall == .sendto)
                #expect(write.flags == ["MSG_FASTOPEN"])
                #expect(write.addressLength == 0)
                #expect(write.result == -1)
                if clientBit {
                    #expect(write.errno == .invalidArgument, "the upstream report's errno, with the client bit set")
                } else {
                    #expect(write.errno != nil, "whatever the syscall returned, recorded")
                }
                #expect(cell.errno == write.errno)
            }
            let finding = try #require(report.diagnosis.first { $0.runtime == runtime.name && $0.title.contains("TFO-off") },
                                       "\(runtime.name)")
            #expect(Set(finding.evidence) == Set(legacy.map(\.cell.name)))
        }
    }

    /// Where the socket BIO leaves its data pointer alone (before 3.2) the legacy design
    /// works. Only the system runtime can be such a one here, so on a host whose own
    /// OpenSSL is 3.2 or later there is nothing to check.
    @Test(.enabled(if: (try? CLI.systemOpenSSL.get())?.socketBIOOwnsData == false,
                   "the system's OpenSSL owns the socket BIO's data pointer: no runtime here leaves it alone"))
    func legacyDesignWorksWhereTheSocketBIOLeavesItsDataAlone() throws {
        let report = try Runtimes.report.get()
        let clientBit = (report.environment.tcpFastopen ?? 0) & 1 != 0
        let leaving = report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == false }
        try #require(!leaving.isEmpty, "tlsprobe env says the system runtime leaves the data pointer alone; the matrix must agree")
        for runtime in leaving {
            let legacy = report.cells(of: runtime).filter { $0.mode == .legacyFastOpen && $0.outcome != .skipped }
            #expect(!legacy.isEmpty, "\(runtime.name)")
            for cell in legacy where cell.tfo == .off || clientBit {
                #expect(cell.outcome == .ok, "\(runtime.name) \(cell.name): \(cell.reason ?? "")")
                #expect(cell.memory?.isClean == true, "\(runtime.name) \(cell.name)")
            }
        }
    }

    /// The migration trap follows the same change: a socket BIO that owns its data
    /// pointer accepts BIO_set_conn_address and then writes on a socket that never
    /// connected; one that does not refuses the ctrl, and the cell is unsupported.
    @Test func migrationTrapIsAcceptedThenFailsWhereTheSocketBIOOwnsItsData() throws {
        let report = try Runtimes.report.get()
        #expect(report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == true }.count >= 2, "at least the fetched 3.5 and 3.6")
        for runtime in report.runtimes {
            let owns = try #require(runtime.openSSL, "\(runtime.name)").socketBIOOwnsData
            let trap = report.cells(of: runtime).filter { $0.mode == .socketConnAddress && $0.tfo == .on }
            #expect(trap.count == 2, "\(runtime.name)")
            for cell in trap {
                if owns {
                    #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name)")
                    #expect(cell.notes.contains { $0.contains("accepted BIO_set_conn_address") }, "\(runtime.name) \(cell.notes)")
                    #expect(cell.firstWrite?.syscall == .write, "\(runtime.name) \(cell.name)")
                } else {
                    #expect(cell.outcome == .unsupported, "\(runtime.name) \(cell.name): \(cell.outcome.rawValue)")
                    #expect(cell.reason?.contains("BIO_set_conn_address") == true, "\(runtime.name) \(cell.reason ?? "")")
                }
            }
        }
    }

    /// The correct strategies work and lose nothing on every runtime; native-tfo is one
    /// of them where the runtime has BIO_SOCK_TFO, and elsewhere is `unsupported` when
    /// TFO is asked for, never a failure.
    @Test func fixedModesAreOkAndClean() throws {
        let report = try Runtimes.report.get()
        for runtime in report.runtimes {
            let openSSL = try #require(runtime.openSSL, "\(runtime.name)")
            // Every correct strategy and the policy: all but the reproductions (and native-tfo, below).
            var fixed = Set(BIOMode.allCases.filter { !$0.needsContainment && $0 != .nativeTFO })
            if openSSL.nativeTFO { fixed.insert(.nativeTFO) }
            let mine = report.cells(of: runtime).filter { fixed.contains($0.mode) }
            #expect(!mine.isEmpty, "\(runtime.name)")
            for cell in mine where cell.outcome != .skipped {
                #expect(cell.outcome == .ok, "\(runtime.name) \(cell.name): \(cell.reason ?? "")")
                #expect(cell.memory?.isClean == true, "\(runtime.name) \(cell.name): \(String(describing: cell.memory))")
            }
            guard !openSSL.nativeTFO else { continue }
            for cell in report.cells(of: runtime) where cell.mode == .nativeTFO && cell.outcome != .skipped {
                #expect(cell.outcome == (cell.tfo == .on ? .unsupported : .ok), "\(runtime.name) \(cell.name): \(cell.reason ?? "")")
                #expect(cell.memory?.isClean == true, "\(runtime.name) \(cell.name): \(String(describing: cell.memory))")
            }
        }
    }

    /// On 3.5 the legacy design leaks OpenSSL's socket-BIO struct with TFO on, and
    /// its teardown makes OpenSSL free the application's address.
    @Test func leaksAndForeignFreesOn35() throws {
        let report = try Runtimes.report.get()
        let runtimes = report.runtimes(openSSL: 3, 5)
        try #require(!runtimes.isEmpty, "no runtime measured OpenSSL 3.5: \(report.runtimes.map(\.name))")
        for runtime in runtimes {
            let legacy = report.cells(of: runtime).filter { $0.mode == .legacyFastOpen && $0.tfo == .on }
            let handshake = legacy.filter { $0.phase == .handshake }
            let teardown = legacy.filter { $0.phase == .teardown }
            #expect(handshake.count == 2 && teardown.count == 2, "\(runtime.name)")
            for cell in handshake {
                #expect((cell.memory?.leakedAllocations ?? 0) >= 1, "\(runtime.name) \(cell.name): \(String(describing: cell.memory))")
            }
            for cell in teardown {
                #expect((cell.memory?.foreignFrees ?? 0) >= 1, "\(runtime.name) \(cell.name): \(String(describing: cell.memory))")
                #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name)")
            }
            let proxyCore = report.cells(of: runtime).filter { $0.mode == .proxyCore }
            #expect(proxyCore.map(\.cell) == MatrixPlan(modes: [.proxyCore]).cells, "\(runtime.name)")
            #expect(proxyCore.allSatisfy { $0.memory == MemoryEvidence(leakedAllocations: 0, leakedBytes: 0, foreignFrees: 0) },
                    "\(runtime.name)")
        }
    }
}
