@testable import Matrix
import Testing

/// `FaultInjection.fromEnvironment`: the cells a test worker crashes on, hangs on, or dies after.
@Suite struct FaultInjectionTests {
    /// One of the variables, and the set it fills.
    enum Variable: String, CaseIterable, Sendable {
        case crash, hang, dieAfter

        var name: String {
            switch self {
            case .crash: FaultInjection.crashVariable
            case .hang: FaultInjection.hangVariable
            case .dieAfter: FaultInjection.dieAfterVariable
            }
        }

        func names(in faults: FaultInjection) -> Set<String> {
            switch self {
            case .crash: faults.crash
            case .hang: faults.hang
            case .dieAfter: faults.dieAfter
            }
        }
    }

    static let values: [(String, Set<String>)] = [
        ("fd/tfo-off/ipv4", ["fd/tfo-off/ipv4"]),
        ("fd/tfo-off/ipv4,legacy-fastopen/tfo-on/ipv6/teardown", ["fd/tfo-off/ipv4", "legacy-fastopen/tfo-on/ipv6/teardown"]),
        ("  fd/tfo-off/ipv4 ,\tproxy-core/tfo-on/ipv6  ", ["fd/tfo-off/ipv4", "proxy-core/tfo-on/ipv6"]),
        ("fd/tfo-off/ipv4,,fd/tfo-off/ipv4,", ["fd/tfo-off/ipv4"]),
        ("hello", ["hello"]),
        ("", []),
        (",", []),
    ]

    @Test(arguments: Variable.allCases, values)
    func parsesCommaSeparatedCellNames(_ variable: Variable, _ value: (text: String, names: Set<String>)) {
        let faults = FaultInjection.fromEnvironment([variable.name: value.text])
        for other in Variable.allCases {
            #expect(other.names(in: faults) == (other == variable ? value.names : []), "\(other)")
        }
    }

    @Test func eachVariableIsReadApartAndOthersAreIgnored() {
        let faults = FaultInjection.fromEnvironment([
            "TLSPROBE_TEST_CRASH": "exdata-fastopen/tfo-on/ipv4",
            "TLSPROBE_TEST_HANG": "native-tfo/tfo-on/ipv6",
            "TLSPROBE_TEST_DIE_AFTER": "hello, fd/tfo-off/ipv4",
            "TLSPROBE_TEST_OTHER": "fd/tfo-off/ipv6",
        ])
        #expect(faults.crash == ["exdata-fastopen/tfo-on/ipv4"])
        #expect(faults.hang == ["native-tfo/tfo-on/ipv6"])
        #expect(faults.dieAfter == ["hello", "fd/tfo-off/ipv4"])
    }

    @Test func noVariablesInjectNothing() {
        let faults = FaultInjection.fromEnvironment([:])
        #expect(faults.crash.isEmpty)
        #expect(faults.hang.isEmpty)
        #expect(faults.dieAfter.isEmpty)
        #expect([FaultInjection.crashVariable, FaultInjection.hangVariable, FaultInjection.dieAfterVariable]
                == ["TLSPROBE_TEST_CRASH", "TLSPROBE_TEST_HANG", "TLSPROBE_TEST_DIE_AFTER"])
    }
}
