/// A `--openssl-range` that does not parse; its description says what was expected.
public struct VersionRangeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var problem: String

    public var description: String {
        "not a version range: '\(text)' (\(problem)); expected comparisons joined by commas, each one of >=, >, <=, <, ==, = and a version of 1 to 3 numbers, e.g. '>=3.0.0, <3.2.0' or '>=3.2'"
    }
}
