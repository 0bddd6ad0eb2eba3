import Foundation

/// A report combined from the reports of several hosts or CI jobs.
///
/// `report` is an ordinary `Report` whose runtime names carry their host
/// (`HOST:runtime`), so the diagnosis, the gate and every renderer work on it
/// unchanged; `hosts` holds what each host's own report said about its machine.
/// Its JSON is the report's document with one more top-level field, `hosts`,
/// which readers of plain reports ignore.
package struct MergedReport: Sendable, Equatable, Encodable {
    package var report: Report
    package var hosts: [MergedHost]

    package init(report: Report, hosts: [MergedHost]) {
        self.report = report
        self.hosts = hosts
    }

    private enum CodingKeys: String, CodingKey {
        case hosts
    }

    package func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hosts, forKey: .hosts)
    }

    /// Formatted as `Report.jsonData()` formats a single report.
    package func jsonData() throws -> Data {
        try JSONCoding.encoder().encode(self)
    }
}
