/// An OpenSSL line people run, as a Debian suite ships it: what `--runtime 4.0`
/// or `--runtime experimental` names. `scripts/fetch-openssl-runtime` fetches
/// it on first use into the runtime cache.
///
/// The series is only how users name a line; what a runtime is, its report
/// takes from the library the worker loaded, never from this table.
package enum OpenSSLLine: String, CaseIterable, Sendable, Hashable, Codable {
    /// Debian 11: OpenSSL 1.1.1 (`libssl.so.1.1`), what ATS 8/9 ran on for years.
    case bullseye
    /// Debian 12: OpenSSL 3.0 LTS, before the 3.2 change.
    case bookworm
    /// Debian 13: OpenSSL 3.5 LTS.
    case trixie
    /// Debian unstable: OpenSSL 3.6.
    case sid
    /// Debian experimental: OpenSSL 4.0 (`libssl.so.4`).
    case experimental

    /// The OpenSSL series the suite carries, the other name `--runtime` accepts.
    package var series: String {
        switch self {
        case .bullseye: "1.1.1"
        case .bookworm: "3.0"
        case .trixie: "3.5"
        case .sid: "3.6"
        case .experimental: "4.0"
        }
    }

    /// A suite's name or its series: `trixie` or `3.5`.
    package init?(name: String) {
        guard let line = Self.allCases.first(where: { $0.rawValue == name || $0.series == name }) else { return nil }
        self = line
    }

    /// Every name `--runtime` takes for a line, suites first.
    package static var names: [String] { allCases.map(\.rawValue) + allCases.map(\.series) }
}
