/// One point of the matrix: a mode, a TFO setting, an address family and a phase.
package struct Cell: Sendable, Codable, Hashable {
    package var mode: BIOMode
    package var tfo: TFOSetting
    package var family: AddressFamily
    package var phase: Phase

    package init(mode: BIOMode, tfo: TFOSetting, family: AddressFamily, phase: Phase = .handshake) {
        self.mode = mode
        self.tfo = tfo
        self.family = family
        self.phase = phase
    }

    /// `legacy-fastopen/tfo-on/ipv6`, with `/teardown` for the teardown phase:
    /// readable, and stable for CI dashboards.
    package var name: String {
        let base = "\(mode.rawValue)/tfo-\(tfo.rawValue)/\(family.rawValue)"
        return phase == .handshake ? base : "\(base)/\(phase.rawValue)"
    }

    /// The inverse of `name`; `nil` for anything else.
    package init?(name: String) {
        let parts = name.split(separator: "/").map(String.init)
        guard parts.count == 3 || parts.count == 4,
              let mode = BIOMode(rawValue: parts[0]),
              parts[1].hasPrefix("tfo-"), let tfo = TFOSetting(rawValue: String(parts[1].dropFirst(4))),
              let family = AddressFamily(rawValue: parts[2]) else { return nil }
        let phase = parts.count == 4 ? Phase(rawValue: parts[3]) : .handshake
        guard let phase, parts.count == 3 || phase != .handshake else { return nil }
        self.init(mode: mode, tfo: tfo, family: family, phase: phase)
    }
}
