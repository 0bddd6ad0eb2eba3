/// Whether the application asks for TCP Fast Open on the connection.
public enum TFOSetting: String, Sendable, Codable, CaseIterable {
    case off, on

    public var isOn: Bool { self == .on }
}
