import Foundation
import ProbeKit
import ProxyCore
import Testing

/// The full matrix on the linked OpenSSL, once for the whole suite.
let linkedMatrix: Result<Report, MatrixSetupError> = Result { () throws(MatrixSetupError) in
    try MatrixRunner(plan: MatrixPlan(), command: ["tlsprobe", "matrix"]).run()
}

@Suite struct MatrixRunnerTests {
    @Test func planHasTwentyEightDistinctCells() {
        let cells = MatrixPlan().cells
        #expect(cells.count == 28)
        #expect(Set(cells.map(\.name)).count == 28)
        #expect(cells.first?.name == "fd/tfo-off/ipv4")
    }

    @Test func everyCellHasItsExpectedOutcome() throws {
        let report = try linkedMatrix.get()
        let expectations = MatrixExpectations(runtime: .current, environment: report.environment)
        #expect(report.cells.map(\.cell) == MatrixPlan().cells)
        for cell in report.cells {
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

    @Test func fastOpenModesWithTFOOnFirstWriteWithSendto() throws {
        let report = try linkedMatrix.get()
        let fastOpen = report.cells.filter {
            ($0.mode == .legacyFastOpen || $0.mode == .exDataFastOpen) && $0.tfo == .on && $0.outcome != .skipped
        }
        #expect(fastOpen.count == (report.environment.ipv6Loopback ? 4 : 2))
        for cell in fastOpen {
            let write = try #require(cell.firstWrite, "\(cell.cell.name)")
            #expect(write.syscall == "sendto")
            #expect(write.flags == ["MSG_FASTOPEN"])
            #expect(write.addressLength == (cell.family == .ipv4 ? 16 : 28))
            #expect(write.expectedAddressLength == (cell.family == .ipv4 ? 16 : 28))
        }
    }

    @Test func tfoOffWritesPlainlyWhereTheSocketBIOLeavesItsDataPointerAlone() throws {
        let report = try linkedMatrix.get()
        let tfoOff = report.cells.filter { $0.tfo == .off && $0.outcome == .ok }
        #expect(!tfoOff.isEmpty)
        for cell in tfoOff {
            #expect(cell.firstWrite?.syscall == "write", "\(cell.cell.name)")
            #expect(cell.firstWrite?.addressLength == nil)
        }
        for cell in report.cells where cell.mode == .legacyFastOpen && cell.tfo == .off && cell.outcome == .failed {
            // Only where OpenSSL owns the data pointer: the regression's signature.
            #expect(cell.firstWrite?.syscall == "sendto")
            #expect(cell.firstWrite?.addressLength == 0)
        }
    }

    @Test func proxyCoreUsesFDWithTFOOff() throws {
        let report = try linkedMatrix.get()
        for cell in report.cells where cell.mode == .proxyCore && cell.tfo == .off && cell.outcome != .skipped {
            #expect(cell.strategy == "fd")
        }
        #expect(report.runtimes.first?.policyTFOOff == "fd")
    }

    @Test func jsonDecodesBackIntoTheReport() throws {
        let report = try linkedMatrix.get()
        let data = try report.jsonData()
        let decoded = try Report.decode(data)
        #expect(decoded == report)
        #expect(decoded.cells.count == 28)
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
        #expect(text.contains("28 cells:"))
        #expect(!text.contains("\u{1B}["), "no colour unless asked")
        #expect(TextRenderer(color: true).render(report).contains("\u{1B}[32m"))
    }

    @Test func singleCellPlanRunsOnlyThatCell() throws {
        let plan = MatrixPlan(modes: [.exDataFastOpen], tfo: [.off], families: [.ipv4], timeout: 2)
        let report = try MatrixRunner(plan: plan, command: []).run()
        #expect(report.cells.map(\.cell.name) == ["exdata-fastopen/tfo-off/ipv4"])
        #expect(report.cells.first?.outcome == .ok)
    }
}
