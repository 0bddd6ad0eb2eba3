import Foundation
import Matrix
import MatrixModel
import ProxyCore
import ReportRendering
import TestSupport
import Testing
import ToolCore

/// The modes that may run in this process: everything but the reproductions of
/// broken designs, which only an accounted worker runs (the end-to-end tests).
let containedModes = BIOMode.allCases.filter { !$0.needsContainment }

/// The matrix of those modes on the linked OpenSSL, in this process, once for the whole suite.
let linkedMatrix: Result<Report, any Error> = Result {
    TestProcess.prepare()
    let runner = try CellRunner(timeout: 5)
    let cells = try MatrixPlan(modes: containedModes).cells.map { try runner.run($0) }
    return Report(command: ["tlsprobe", "matrix"], timeoutSeconds: 5, environment: runner.environment,
                  runtimes: [RuntimeSummary(name: "system")], cells: cells)
}

@Suite struct MatrixRunnerTests {
    /// Every mode in the handshake phase and the teardown modes in the teardown phase, each
    /// with both TFO settings and both families.
    @Test func planHasEveryModeInHandshakeAndTheTeardownModesInTeardown() {
        let cells = MatrixPlan().cells
        let handshake = cells.filter { $0.phase == .handshake }
        let combinations = TFOSetting.allCases.count * AddressFamily.allCases.count
        let teardownModes = Set(BIOMode.allCases.filter(\.hasTeardown))
        #expect(handshake.count == BIOMode.allCases.count * combinations)
        #expect(cells.count == (BIOMode.allCases.count + teardownModes.count) * combinations)
        #expect(Set(cells.map(\.name)).count == cells.count)
        #expect(Set(handshake.map(\.mode)) == Set(BIOMode.allCases))
        #expect(cells.first?.name == "fd/tfo-off/ipv4")
        #expect(Set(cells.filter { $0.phase == .teardown }.map(\.mode)) == teardownModes)
    }

    @Test func cellNamesRoundTrip() {
        for cell in MatrixPlan().cells {
            #expect(Cell(name: cell.name) == cell)
        }
        #expect(Cell(name: "fd/tfo-off/ipv4/handshake") == nil, "handshake is the default and never spelled out")
        #expect(Cell(name: "fd/tfo-maybe/ipv4") == nil)
        #expect(Cell(name: "nonsense") == nil)
    }

    @Test func everyCellHasItsExpectedOutcome() throws {
        let report = try linkedMatrix.get()
        let expectations = MatrixExpectations(runtime: .current, environment: report.environment)
        #expect(report.cells.map(\.cell) == MatrixPlan(modes: containedModes).cells)
        for cell in report.cells where cell.phase == .handshake {
            #expect(cell.outcome == expectations.outcome(of: cell.cell),
                    "\(cell.cell.name): \(cell.outcome.rawValue) — \(cell.reason ?? "")")
            #expect(cell.runtime == "system")
            #expect(cell.kernelTFO == report.environment.tcpFastopen)
            if cell.outcome == .ok {
                #expect(cell.tlsVersion == "TLSv1.3")
                #expect(cell.cipher != nil)
                #expect(cell.firstWrite != nil)
                #expect(cell.tfoEvidence.tfoEffective != .unknown, "TCP_INFO was readable on an open socket")
            } else {
                #expect(cell.reason != nil, "\(cell.cell.name) is \(cell.outcome.rawValue) without a reason")
            }
        }
    }

    /// A process without allocation accounting refuses every reproduction cell, before it touches OpenSSL.
    @Test func reproductionsAreRefusedOutsideAnAccountedWorker() throws {
        TestProcess.prepare()
        let runner = try CellRunner(families: [.ipv4], timeout: 5)
        let reproductions = MatrixPlan(modes: BIOMode.allCases.filter(\.needsContainment)).cells
        #expect(!reproductions.isEmpty)
        for cell in reproductions {
            let error = try #require(throws: ContainmentError.self) { try runner.run(cell) }
            #expect(error.cell == cell)
            #expect(error.description.contains("worker"))
        }
    }

    @Test func fastOpenBIOWithTFOOnFirstWritesWithSendto() throws {
        let report = try linkedMatrix.get()
        let fastOpen = report.cells.filter {
            $0.mode == .exDataFastOpen && $0.tfo == .on && $0.phase == .handshake && $0.outcome != .skipped
        }
        #expect(fastOpen.count == (report.environment.ipv6Loopback ? 2 : 1))
        for cell in fastOpen {
            let write = try #require(cell.firstWrite, "\(cell.cell.name)")
            #expect(write.syscall == .sendto)
            #expect(write.flags == ["MSG_FASTOPEN"])
            #expect(write.addressLength == (cell.family == .ipv4 ? 16 : 28))
            #expect(write.expectedAddressLength == (cell.family == .ipv4 ? 16 : 28))
        }
    }

    @Test func tfoOffWritesPlainlyWhereTheSocketBIOLeavesItsDataPointerAlone() throws {
        let report = try linkedMatrix.get()
        let tfoOff = report.cells.filter { $0.tfo == .off && $0.phase == .handshake && $0.outcome == .ok }
        #expect(!tfoOff.isEmpty)
        for cell in tfoOff {
            #expect(cell.firstWrite?.syscall == .write, "\(cell.cell.name)")
            #expect(cell.firstWrite?.addressLength == nil)
        }
    }

    @Test func proxyCoreUsesFDWithTFOOff() throws {
        let report = try linkedMatrix.get()
        let cells = report.cells.filter { $0.mode == .proxyCore && $0.tfo == .off && $0.outcome != .skipped }
        #expect(!cells.isEmpty)
        for cell in cells {
            #expect(cell.strategy == .fd)
        }
    }

    @Test func jsonDecodesBackIntoTheReport() throws {
        let report = try linkedMatrix.get()
        let data = try report.jsonData()
        let decoded = try Report.decode(data)
        #expect(decoded == report)
        #expect(decoded.cells.count == MatrixPlan(modes: containedModes).cells.count)
        #expect(decoded.schemaVersion == Report.currentSchemaVersion)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schemaVersion"] as? Int == Report.currentSchemaVersion)
        let cell = try #require((object["cells"] as? [[String: Any]])?.first)
        for key in ["runtime", "mode", "tfo", "family", "outcome", "firstWrite", "tfoEvidence", "tlsVersion",
                    "cipher", "openSSLErrors", "durationMilliseconds"] {
            #expect(cell[key] != nil, "cell JSON lacks \(key)")
        }
    }

    @Test func textShowsEveryCellAndTheCounts() throws {
        let report = try linkedMatrix.get()
        let text = TextRenderer(color: false).render(report)
        for cell in report.cells {
            #expect(text.contains(cell.mode.rawValue))
        }
        #expect(text.contains("\(report.cells.count) cells:"))
        #expect(!text.contains("\u{1B}["), "no colour unless asked")
        #expect(TextRenderer(color: true).render(report).contains("\u{1B}[32m"))
    }

    /// Teardown sets the connection up and releases it unwritten: nothing is written,
    /// and the cell says so. Whether that was clean needs the worker's accounting.
    @Test func teardownCellsNeverWrite() throws {
        let report = try linkedMatrix.get()
        let teardown = report.cells.filter { $0.phase == .teardown }
        #expect(teardown.count == MatrixPlan(modes: containedModes, phases: [.teardown]).cells.count)
        for cell in teardown where cell.outcome != .skipped {
            #expect(cell.outcome == .ok, "\(cell.cell.name): \(cell.reason ?? "")")
            #expect(cell.firstWrite == nil)
            #expect(cell.notes.contains("released before the first write"))
            #expect(cell.memory == nil, "no accounting in the test process")
        }
    }

    @Test func planFollowsItsAxes() {
        let plan = MatrixPlan(modes: [.exDataFastOpen, .fd], tfo: [.off], families: [.ipv4], phases: [.teardown], timeout: 2)
        #expect(plan.cells.map(\.name) == ["exdata-fastopen/tfo-off/ipv4/teardown"])
    }
}
