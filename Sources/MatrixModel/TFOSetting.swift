/// Whether the application asks for TCP Fast Open on the connection.
package enum TFOSetting: String, Sendable, Codable, CaseIterable {
    case off, on

    package var isOn: Bool { self == .on }
}
