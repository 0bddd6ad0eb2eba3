#if canImport(Glibc)
import Glibc
#endif
@testable import Matrix
@testable import MatrixModel
@testable import ToolCore
import Testing

/// `WorkerConfiguration`: the worker's command line, written by the supervisor and read back by the worker.
@Suite struct WorkerConfigurationTests {
    static let cells = [Cell(mode: .fd, tfo: .off, family: .ipv4),
                        Cell(mode: .legacyFastOpen, tfo: .on, family: .ipv6),
                        Cell(mode: .legacyFastOpen, tfo: .on, family: .ipv4, phase: .teardown),
                        Cell(mode: .proxyCore, tfo: .off, family: .ipv6)]

    /// A configuration, named briefly in the test list.
    struct Case: Sendable, CustomTestStringConvertible {
        let configuration: WorkerConfiguration

        init(_ runtimeName: String, _ cells: [Cell], timeout: Double, namespaceTFO: Int? = nil, parent: Int32? = nil) {
            configuration = if let parent {
                WorkerConfiguration(runtimeName: runtimeName, cells: cells, timeout: timeout, namespaceTFO: namespaceTFO, parent: parent)
            } else {
                WorkerConfiguration(runtimeName: runtimeName, cells: cells, timeout: timeout, namespaceTFO: namespaceTFO)
            }
        }

        var testDescription: String {
            let c = configuration
            return "\(c.runtimeName), \(c.cells.count) cell(s), timeout \(c.timeout)"
                + "\(c.namespaceTFO.map { ", netns-tfo \($0)" } ?? ""), parent \(c.parent)"
        }
    }

    static let configurations = [
        Case("system", cells, timeout: 5),
        Case("/srv/runtimes/trixie", cells, timeout: 0.25, namespaceTFO: 0x203, parent: 1),
        Case("/opt/ssl with spaces, and --cell", [cells[2]], timeout: 1e-3, namespaceTFO: 0, parent: Int32.max),
        Case("system", MatrixPlan().cells, timeout: 30, namespaceTFO: 1),
        Case("system", [], timeout: 2.5, parent: 4242),
        Case("system", cells, timeout: 0.1 + 0.2, namespaceTFO: -1),
    ]

    @Test(arguments: configurations)
    func argumentsReadBackIntoTheSameConfiguration(_ example: Case) throws {
        #expect(try WorkerConfiguration(arguments: example.configuration.arguments) == example.configuration)
    }

    @Test func argumentsSpellEveryField() {
        let configuration = WorkerConfiguration(runtimeName: "/srv/runtimes/trixie", cells: Array(Self.cells.prefix(3)),
                                                timeout: 0.25, namespaceTFO: 3, parent: 77)
        #expect(configuration.arguments == ["--runtime-name", "/srv/runtimes/trixie", "--timeout", "0.25", "--parent", "77",
                                            "--netns-tfo", "3", "--cell", "fd/tfo-off/ipv4", "--cell", "legacy-fastopen/tfo-on/ipv6",
                                            "--cell", "legacy-fastopen/tfo-on/ipv4/teardown"])
        let host = WorkerConfiguration(runtimeName: "system", cells: [], timeout: 5, parent: 9)
        #expect(host.arguments == ["--runtime-name", "system", "--timeout", "5.0", "--parent", "9"],
                "no --netns-tfo without a namespace")
        #expect(WorkerConfiguration(runtimeName: "system", cells: [], timeout: 5).parent == getpid(), "the supervisor is the parent")
    }

    @Test func theOrderOfOptionsDoesNotMatterButTheOrderOfCellsDoes() throws {
        let configuration = try WorkerConfiguration(arguments: ["--cell", "proxy-core/tfo-off/ipv6", "--timeout", "3", "--parent", "12",
                                                                "--cell", "fd/tfo-off/ipv4", "--runtime-name", "system"])
        #expect(configuration == WorkerConfiguration(runtimeName: "system", cells: [Self.cells[3], Self.cells[0]], timeout: 3,
                                                     parent: 12))
    }

    static let required = "--runtime-name, --timeout and --parent are required"

    @Test(arguments: [
        (["--runtime-name", "system", "--timeout"], "--timeout needs a value"),
        (["--timeout", "5", "--runtime-name"], "--runtime-name needs a value"),
        (["--runtime-name", "system", "--timeout", "5", "--cell"], "--cell needs a value"),
        (["--runtime-name", "system", "--timeout", "5", "--jobs", "2"], "unknown option --jobs"),
        (["--runtime-name", "system", "--timeout", "5", "fd/tfo-off/ipv4", "x"], "unknown option fd/tfo-off/ipv4"),
        (["--runtime-name", "system", "--timeout", "5", "--cell", "fd/tfo-maybe/ipv4"], "not a cell name: fd/tfo-maybe/ipv4"),
        (["--runtime-name", "system", "--timeout", "5", "--cell", "fd/tfo-off/ipv4/handshake"], "not a cell name: fd/tfo-off/ipv4/handshake"),
        (["--runtime-name", "system", "--timeout", "5", "--cell", ""], "not a cell name: "),
        (["--runtime-name", "system", "--timeout", "0"], "not a timeout: 0"),
        (["--runtime-name", "system", "--timeout", "-1"], "not a timeout: -1"),
        (["--runtime-name", "system", "--timeout", "inf"], "not a timeout: inf"),
        (["--runtime-name", "system", "--timeout", "nan"], "not a timeout: nan"),
        (["--runtime-name", "system", "--timeout", "five"], "not a timeout: five"),
        (["--runtime-name", "system", "--timeout", "5", "--netns-tfo", "0x203"], "not a tcp_fastopen value: 0x203"),
        (["--runtime-name", "system", "--timeout", "5", "--parent", "0"], "not a process id: 0"),
        (["--runtime-name", "system", "--timeout", "5", "--parent", "-3"], "not a process id: -3"),
        (["--runtime-name", "system", "--timeout", "5", "--parent", "4294967296"], "not a process id: 4294967296"),
        (["--runtime-name", "system", "--timeout", "5", "--parent", "self"], "not a process id: self"),
        (["--runtime-name", "system", "--timeout", "5"], required),
        (["--runtime-name", "system", "--parent", "1"], required),
        (["--timeout", "5", "--parent", "1"], required),
        ([], required),
    ])
    func refusesWhatItCannotRead(_ arguments: [String], _ message: String) throws {
        let error = try #require(throws: InputError.self) { try WorkerConfiguration(arguments: arguments) }
        #expect(error.source == "worker arguments")
        #expect(error.message == message)
    }
}
