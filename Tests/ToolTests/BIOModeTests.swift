import BIOPatterns
@testable import MatrixModel
import ProxyCore
import Testing

/// The mode list is derived from the strategies and the reproductions: these pin what the
/// derivation gives today, so the reports (and the golden files) keep their order.
@Suite struct BIOModeTests {
    @Test func theMatrixOrderIsTodays() {
        #expect(BIOMode.allCases.map(\.rawValue) == [
            "fd", "legacy-fastopen", "nulled-fastopen", "exdata-fastopen", "filter-fastopen",
            "native-tfo", "socket-conn-address", "appdata-pointer", "fastopen-connect", "proxy-core",
        ])
    }

    @Test func everyStrategyAndReproductionIsAModeOnce() {
        let expected = OriginConnector.Strategy.allCases.map(BIOMode.strategy)
            + ReferenceDesign.allCases.map(BIOMode.reference)
            + Reproduction.allCases.map(BIOMode.reproduction) + [.proxyCore]
        #expect(BIOMode.allCases.count == expected.count)
        #expect(Set(BIOMode.allCases) == Set(expected))
    }

    /// Every mode and whether it has a teardown phase, as `Phase.teardownModes` listed them by hand.
    @Test func theTeardownModesAreThoseWhoseBIOHoldsApplicationMemory() {
        let flags = BIOMode.allCases.map { "\($0.rawValue): \($0.hasTeardown)" }
        #expect(flags == [
            "fd: false", "legacy-fastopen: true", "nulled-fastopen: true", "exdata-fastopen: true",
            "filter-fastopen: true", "native-tfo: false", "socket-conn-address: false", "appdata-pointer: true",
            "fastopen-connect: false", "proxy-core: true",
        ])
        #expect(BIOMode.plugin("mine").hasTeardown, "a plug-in's BIO is unknown, so probed")
    }

    /// Upstream's ex_data fix counts with ProxyCore's strategies among the other fixes; no
    /// reproduction does.
    @Test func theOtherFixesAreTheStrategiesAndTheReferenceDesigns() {
        #expect(BIOMode.allCases.filter(\.isOtherFix).map(\.rawValue) == [
            "fd", "exdata-fastopen", "filter-fastopen", "native-tfo", "fastopen-connect",
        ])
    }

    @Test func everyModeNameRoundTrips() {
        for mode in BIOMode.allCases {
            #expect(BIOMode(rawValue: mode.rawValue) == mode)
        }
    }
}
