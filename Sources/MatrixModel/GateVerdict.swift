/// How one condition of a `Gate` came out on a report.
package struct GateVerdict: Sendable, Equatable, Codable {
    /// The condition as the user stated it: `require proxy-core`, `openssl-range '>=3.2'`, `fail-if-affected`.
    package var condition: String
    package var passed: Bool
    /// Why, in one line, naming the cells or runtimes that decided it.
    package var detail: String

    package init(condition: String, passed: Bool, detail: String) {
        self.condition = condition
        self.passed = passed
        self.detail = detail
    }
}
