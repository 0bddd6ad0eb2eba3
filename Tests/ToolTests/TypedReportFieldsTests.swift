@testable import AuditClassification
import Foundation
@testable import BinaryAudit
import BIOPatterns
@testable import MatrixAnalysis
@testable import MatrixModel
import ProxyCore
import Testing

/// The report's enums and its typed errno write the JSON the string fields wrote:
/// the names are the contract (docs/report-schema.json), the types only the model's.
@Suite struct TypedReportFieldsTests {
    @Test(arguments: [
        (FirstWrite.Syscall.sendto, "sendto"), (.send, "send"), (.sendmsg, "sendmsg"), (.write, "write"), (.writev, "writev"),
    ])
    func syscallNames(syscall: FirstWrite.Syscall, name: String) {
        #expect(syscall.rawValue == name)
    }

    @Test func everySyscallIsNamed() {
        #expect(FirstWrite.Syscall.allCases.count == 5)
    }

    @Test(arguments: [
        (FirstWrite.Observer.libcBoundary, "libc boundary"), (.openSSLSocketBIO, "OpenSSL socket BIO"),
        (.fastOpenBIO, "fast-open BIO"), (.fastOpenFilterBIO, "fast-open filter BIO"),
        (.applicationRecordBIO, "application-record BIO"),
    ])
    func observerNames(observer: FirstWrite.Observer, name: String) {
        #expect(observer.rawValue == name)
    }

    @Test func everyObserverIsNamed() {
        #expect(FirstWrite.Observer.allCases.count == 5)
    }

    @Test(arguments: [
        (OriginConnector.Strategy.fd, "fd"), (.filterFastOpen, "filter-fastopen"),
        (.nativeTFO, "native-tfo"), (.fastOpenConnect, "fastopen-connect"),
    ])
    func strategyNames(strategy: OriginConnector.Strategy, name: String) {
        #expect(strategy.rawValue == name)
    }

    /// Upstream's ex_data fix left ProxyCore for BIOPatterns and kept its name in the matrix.
    @Test func referenceDesignNames() {
        #expect(ReferenceDesign.exDataFastOpen.rawValue == "exdata-fastopen")
        #expect(BIOMode(rawValue: "exdata-fastopen") == .reference(.exDataFastOpen))
    }

    @Test(arguments: [
        (AuditClass.affectedPattern, "affected-pattern"), (.inheritsSocketBIO, "inherits-socket-bio"), (.error, "error"),
        (.embeddedOpenSSL, "embedded-openssl"), (.ownBIO, "own-bio"), (.noCustomBIO, "no-custom-bio"),
        (.notOpenSSL, "not-openssl"),
    ])
    func auditClassNames(auditClass: AuditClass, name: String) {
        #expect(auditClass.rawValue == name)
    }

    @Test func everyOutcomeIsAKeyByItsName() throws {
        let counts = Dictionary(uniqueKeysWithValues: Outcome.allCases.enumerated().map { ($0.element, $0.offset + 1) })
        let json = String(decoding: try JSONCoding.encoder(pretty: false).encode(counts), as: UTF8.self)
        #expect(json == #"{"crashed":3,"failed":2,"ok":1,"skipped":6,"timeout":4,"unsupported":5}"#)
        #expect(try JSONDecoder().decode([Outcome: Int].self, from: Data(json.utf8)) == counts)
    }

    /// A first write's errno is one `Errno`, written as its number and its name, both
    /// absent when the call succeeded: the keys the string pair wrote.
    @Test func firstWriteJSON() throws {
        let failed = FirstWrite(syscall: .sendto, flags: ["MSG_FASTOPEN"], addressLength: 0, expectedAddressLength: 16,
                                result: -1, errno: .invalidArgument, observedBy: .fastOpenBIO)
        #expect(try Self.json(failed) == #"{"addressLength":0,"errno":22,"errnoName":"EINVAL","expectedAddressLength":16,"#
            + #""flags":["MSG_FASTOPEN"],"observedBy":"fast-open BIO","result":-1,"syscall":"sendto"}"#)
        var written = FirstWrite(syscall: .write, flags: [], addressLength: nil, expectedAddressLength: 28,
                                 result: 293, errno: nil, observedBy: .libcBoundary)
        written.destinationFamily = "AF_INET6"
        #expect(try Self.json(written) == #"{"destinationFamily":"AF_INET6","expectedAddressLength":28,"flags":[],"#
            + #""observedBy":"libc boundary","result":293,"syscall":"write"}"#)
    }

    /// A cell's errno, as the first write's; a cell without one has neither key.
    @Test func cellErrnoJSON() throws {
        var cell = CellResult(Cell(mode: .fd, tfo: .off, family: .ipv4, phase: .handshake), runtime: "system",
                              kernelTFO: 1, outcome: .failed)
        #expect(try !Self.json(cell).contains("errno"))
        cell.errno = .brokenPipe
        let json = try Self.json(cell)
        #expect(json.contains(#""errno":32,"errnoName":"EPIPE","#))
        #expect(try JSONDecoder().decode(CellResult.self, from: Data(json.utf8)) == cell)
    }

    /// `""`, the schema's "the worker could not say", reads as no policy; a policy is written by its name.
    @Test func runtimePolicyJSON() throws {
        var runtime = RuntimeSummary(name: "system")
        runtime.policyTFOOff = .fd
        runtime.policyTFOOn = .fastOpenConnect
        #expect(try Self.json(runtime) == #"{"name":"system","policyTFOOff":"fd","policyTFOOn":"fastopen-connect"}"#)
        let unsaid = try JSONDecoder().decode(RuntimeSummary.self, from: Data(#"{"name":"x","policyTFOOff":"","policyTFOOn":""}"#.utf8))
        #expect(unsaid.policyTFOOff == nil && unsaid.policyTFOOn == nil)
        #expect(try Self.json(RuntimeSummary(name: "x")) == #"{"name":"x"}"#)
    }

    @Test func gateAndPluginJSON() throws {
        let gate = GateOutcome(verdicts: [], requiredModes: [.proxyCore, .fd, .plugin("legacy")], exitCode: 0)
        #expect(try Self.json(gate) == #"{"exitCode":0,"passed":true,"requiredModes":["proxy-core","fd","plugin:legacy"],"verdicts":[]}"#)
        let plugin = BIOPluginSpec(name: "legacy", path: "/x/legacy.so", auditClass: .affectedPattern)
        #expect(try Self.json(plugin) == #"{"auditClass":"affected-pattern","name":"legacy","path":"/x/legacy.so"}"#)
    }

    /// A report with every new enum's every case, its errnos and a gate: encoding its
    /// decoding gives the same bytes.
    @Test func everyCaseRoundTripsToTheSameBytes() throws {
        var report = ReportFixture.report()
        #expect(Set(report.summary.keys) == Set(Outcome.allCases))
        let template = report.cells[0]
        for (index, syscall) in FirstWrite.Syscall.allCases.enumerated() {
            for observer in FirstWrite.Observer.allCases {
                var cell = template
                cell.firstWrite = FirstWrite(syscall: syscall, flags: [], addressLength: index == 0 ? 0 : nil,
                                             expectedAddressLength: 16, result: -1, errno: .init(rawValue: Int32(index + 1)),
                                             observedBy: observer)
                cell.bioFirstWrite = cell.firstWrite
                cell.errno = cell.firstWrite?.errno
                report.cells.append(cell)
            }
        }
        for (index, strategy) in OriginConnector.Strategy.allCases.enumerated() {
            var runtime = RuntimeSummary(name: "runtime-\(index)")
            runtime.policyTFOOff = strategy
            runtime.policyTFOOn = strategy
            report.runtimes.append(runtime)
        }
        report.plugins = AuditClass.allCases.map { BIOPluginSpec(name: $0.rawValue, path: "/p/\($0.rawValue).so", auditClass: $0) }
            + [BIOPluginSpec(name: "unread", path: "/p/unread.so")]
        report.gate = GateOutcome(verdicts: [GateVerdict(condition: "require proxy-core", passed: true, detail: "ok")],
                                  requiredModes: BIOMode.allCases, exitCode: 0)
        let bytes = try report.jsonData()
        let decoded = try Report.decode(bytes)
        #expect(decoded == report)
        #expect(try decoded.jsonData() == bytes)
    }

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder(pretty: false).encode(value), as: UTF8.self)
    }
}
