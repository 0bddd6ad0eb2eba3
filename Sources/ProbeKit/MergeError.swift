/// Why `ReportMerger` refused an input; it names the file, so the user knows which one.
public struct MergeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input as the user named it.
    public var source: String
    public var message: String

    public init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
