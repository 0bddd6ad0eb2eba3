import BIOPatterns
import ProxyCore

/// How a cell opens its TLS connection: a correct strategy of ProxyCore, an upstream
/// fix kept to compare with, a reproduction of a broken design, `proxy-core` (whatever the fixed
/// connector's policy picks here), or a user's own BIO from a plug-in. The names come from the strategies and
/// reproductions themselves, so a new one is added in exactly one place.
package enum BIOMode: Sendable, Hashable {
    /// One of `OriginConnector.Strategy`, forced.
    case strategy(OriginConnector.Strategy)
    /// One of BIOPatterns' `ReferenceDesign`s, forced: an upstream fix ProxyCore does not use.
    case reference(ReferenceDesign)
    /// One of BIOPatterns' `Reproduction`s: runs only in an accounted worker.
    case reproduction(Reproduction)
    /// `OriginConnector`'s policy: the fix as a proxy would use it.
    case proxyCore
    /// The BIO of a `--bio-plugin` shared object, by its name (`plugin:NAME`).
    case plugin(String)

    package static let fd = BIOMode.strategy(.fd)
    package static let legacyFastOpen = BIOMode.reproduction(.legacyFastOpen)
    package static let nulledFastOpen = BIOMode.reproduction(.nulledFastOpen)
    package static let exDataFastOpen = BIOMode.reference(.exDataFastOpen)
    package static let filterFastOpen = BIOMode.strategy(.filterFastOpen)
    package static let nativeTFO = BIOMode.strategy(.nativeTFO)
    package static let socketConnAddress = BIOMode.reproduction(.socketConnAddress)
    package static let appDataPointer = BIOMode.reproduction(.appDataPointer)
    package static let fastOpenConnect = BIOMode.strategy(.fastOpenConnect)

    /// What `OriginConnector` is given; `nil` lets its policy choose (or, for a plug-in,
    /// the worker that loaded it supplies it).
    package var recipe: (any ConnectionRecipe)? {
        switch self {
        case .strategy(let strategy): strategy
        case .reference(let design): design
        case .reproduction(let reproduction): reproduction
        case .proxyCore, .plugin: nil
        }
    }

    /// Whether the mode may make OpenSSL free memory it never allocated: a reproduction
    /// of a broken design, or a plug-in's code nobody has vetted. Only an accounted
    /// worker runs it, unless the user asked for the raw symptom (`--no-accounting`).
    package var needsContainment: Bool {
        switch self {
        case .reproduction, .plugin: true
        case .strategy, .reference, .proxyCore: false
        }
    }

    /// Whether the mode has a teardown phase: its BIO may hold memory of the
    /// application's (a destination, a record), as its recipe says. The policy may
    /// choose `filter-fastopen`, whose BIO does; a plug-in's is unknown, so probed.
    package var hasTeardown: Bool {
        switch self {
        case .strategy(let strategy): strategy.bioHoldsApplicationMemory
        case .reference(let design): design.bioHoldsApplicationMemory
        case .reproduction(let reproduction): reproduction.bioHoldsApplicationMemory
        case .proxyCore, .plugin: true
        }
    }

    /// A correct design other than the policy: one of ProxyCore's strategies, or an upstream
    /// fix kept to compare with. The verdict gives these one line ("the other fixes").
    package var isOtherFix: Bool {
        switch self {
        case .strategy, .reference: true
        case .reproduction, .proxyCore, .plugin: false
        }
    }

    /// The plug-in's name, for `plugin:NAME`.
    package var pluginName: String? {
        if case .plugin(let name) = self { return name }
        return nil
    }
}

extension BIOMode: CaseIterable {
    /// The matrix's order: every strategy in `OriginConnector.Strategy`'s order (the plain
    /// socket BIO first), each upstream fix just before the strategy that replaces it and
    /// each reproduction just before the fix it is shown against, the policy last. Made of
    /// `allCases` of all three, so no mode can be left out.
    package static let allCases: [BIOMode] =
        OriginConnector.Strategy.allCases.flatMap { strategy in
            ReferenceDesign.allCases.filter { shownBefore($0) == strategy }.flatMap { design in
                reproductions(before: .reference(design)) + [.reference(design)]
            } + reproductions(before: .strategy(strategy)) + [.strategy(strategy)]
        } + [.proxyCore]

    private static func reproductions(before fix: BIOMode) -> [BIOMode] {
        Reproduction.allCases.filter { shownBefore($0) == fix }.map(BIOMode.reproduction)
    }

    /// The ProxyCore strategy an upstream fix is shown before: the one that does its job
    /// without deprecated API. Exhaustive, as below.
    private static func shownBefore(_ design: ReferenceDesign) -> OriginConnector.Strategy {
        switch design {
        case .exDataFastOpen: .filterFastOpen
        }
    }

    /// The fix a broken design is shown next to (before), so a report reads the
    /// design and then what replaces it. Exhaustive: a new reproduction does not compile
    /// until it has its place.
    private static func shownBefore(_ reproduction: Reproduction) -> BIOMode {
        switch reproduction {
        // ATS's legacy fast-open BIO and PR 11501's first revision; upstream ATS's fix keeps
        // the destination in ex_data.
        case .legacyFastOpen, .nulledFastOpen: .reference(.exDataFastOpen)
        // A plain socket BIO expected to connect with TFO; the fix asks the kernel for
        // TCP_FASTOPEN_CONNECT and connects itself.
        case .socketConnAddress: .strategy(.fastOpenConnect)
        // PostgreSQL's record in a socket-method BIO: shown with the other socket-BIO design,
        // before the plain-socket strategy that stores nothing in BIO data.
        case .appDataPointer: .strategy(.fastOpenConnect)
        }
    }
}

extension BIOMode: RawRepresentable, Codable {
    /// `fd`, `legacy-fastopen`, …, `proxy-core`: the names the CLI, the JSON and the docs use.
    package var rawValue: String {
        switch self {
        case .strategy(let strategy): strategy.rawValue
        case .reference(let design): design.rawValue
        case .reproduction(let reproduction): reproduction.rawValue
        case .proxyCore: "proxy-core"
        case .plugin(let name): "plugin:\(name)"
        }
    }

    package init?(rawValue: String) {
        if rawValue.hasPrefix("plugin:") {
            let name = String(rawValue.dropFirst("plugin:".count))
            guard BIOPluginSpec.isValidName(name) else { return nil }
            self = .plugin(name)
            return
        }
        guard let mode = BIOMode.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = mode
    }
}
