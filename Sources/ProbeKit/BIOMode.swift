import ProxyCore

/// How a cell opens its TLS connection: one of the six strategies, or
/// `proxy-core`, whatever the fixed connector's policy picks here.
public enum BIOMode: String, Sendable, Codable, CaseIterable {
    case fd
    case legacyFastOpen = "legacy-fastopen"
    case exDataFastOpen = "exdata-fastopen"
    case nativeTFO = "native-tfo"
    case socketConnAddress = "socket-conn-address"
    case fastOpenConnect = "fastopen-connect"
    case proxyCore = "proxy-core"

    /// The strategy to force; `nil` lets `OriginConnector`'s policy choose.
    public var forcedStrategy: OriginConnector.Strategy? {
        switch self {
        case .proxyCore: nil
        default: OriginConnector.Strategy(rawValue: rawValue)
        }
    }
}
