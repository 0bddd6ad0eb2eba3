import ProxyCore

extension KeyedDecodingContainer {
    /// A policy's choice of strategy, by its name; absent or `""` (how a worker that
    /// could not build its connector says "none") is `nil`.
    package func decodePolicy(forKey key: Key) throws -> OriginConnector.Strategy? {
        guard let name = try decodeIfPresent(String.self, forKey: key), !name.isEmpty else { return nil }
        guard let strategy = OriginConnector.Strategy(rawValue: name) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "no strategy is named \(name)")
        }
        return strategy
    }
}
