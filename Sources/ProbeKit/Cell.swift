/// One point of the matrix: a mode, a TFO setting and an address family.
public struct Cell: Sendable, Codable, Hashable {
    public var mode: BIOMode
    public var tfo: TFOSetting
    public var family: AddressFamily

    public init(mode: BIOMode, tfo: TFOSetting, family: AddressFamily) {
        self.mode = mode
        self.tfo = tfo
        self.family = family
    }

    /// `legacy-fastopen/tfo-on/ipv6`: readable, and stable for CI dashboards.
    public var name: String { "\(mode.rawValue)/tfo-\(tfo.rawValue)/\(family.rawValue)" }
}
