import BIOPatterns
import ProxyCore

/// How a cell opens its TLS connection: a correct strategy of ProxyCore, a
/// reproduction of a broken design, or `proxy-core`, whatever the fixed
/// connector's policy picks here. The names come from the strategies and
/// reproductions themselves, so a new one is added in exactly one place.
package enum BIOMode: Sendable, Hashable {
    /// One of `OriginConnector.Strategy`, forced.
    case strategy(OriginConnector.Strategy)
    /// One of BIOPatterns' `Reproduction`s: runs only in an accounted worker.
    case reproduction(Reproduction)
    /// `OriginConnector`'s policy: the fix as a proxy would use it.
    case proxyCore

    package static let fd = BIOMode.strategy(.fd)
    package static let legacyFastOpen = BIOMode.reproduction(.legacyFastOpen)
    package static let nulledFastOpen = BIOMode.reproduction(.nulledFastOpen)
    package static let exDataFastOpen = BIOMode.strategy(.exDataFastOpen)
    package static let filterFastOpen = BIOMode.strategy(.filterFastOpen)
    package static let nativeTFO = BIOMode.strategy(.nativeTFO)
    package static let socketConnAddress = BIOMode.reproduction(.socketConnAddress)
    package static let appDataPointer = BIOMode.reproduction(.appDataPointer)
    package static let fastOpenConnect = BIOMode.strategy(.fastOpenConnect)

    /// What `OriginConnector` is given; `nil` lets its policy choose.
    package var recipe: (any ConnectionRecipe)? {
        switch self {
        case .strategy(let strategy): strategy
        case .reproduction(let reproduction): reproduction
        case .proxyCore: nil
        }
    }

    /// Whether the mode reproduces a broken design, which only an accounted worker may run.
    package var reproducesBrokenDesign: Bool {
        if case .reproduction = self { return true }
        return false
    }
}

extension BIOMode: CaseIterable {
    /// The matrix's order: the plain socket BIO first, each broken design next to its fix, the policy last.
    package static let allCases: [BIOMode] = [.fd, .legacyFastOpen, .nulledFastOpen, .exDataFastOpen, .filterFastOpen,
                                              .nativeTFO, .socketConnAddress, .appDataPointer, .fastOpenConnect, .proxyCore]
}

extension BIOMode: RawRepresentable, Codable {
    /// `fd`, `legacy-fastopen`, …, `proxy-core`: the names the CLI, the JSON and the docs use.
    package var rawValue: String {
        switch self {
        case .strategy(let strategy): strategy.rawValue
        case .reproduction(let reproduction): reproduction.rawValue
        case .proxyCore: "proxy-core"
        }
    }

    package init?(rawValue: String) {
        guard let mode = BIOMode.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = mode
    }
}
