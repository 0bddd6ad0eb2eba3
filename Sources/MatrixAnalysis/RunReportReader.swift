import Foundation
import RunModel
import ToolCore

/// A `tlsprobe run` JSON report read back for `tlsprobe gate --run-report`: bounded,
/// its kind and `schemaVersion` checked before its fields, so a wrong file is refused
/// with what it is (a matrix or audit report given by mistake, another tlsprobe's
/// schema, not JSON) rather than with a decoder's complaint about a missing key.
package enum RunReportReader {
    /// What a document says it is, read before anything else.
    private struct Header: Decodable {
        var kind: String?
        var schemaVersion: Int?
        /// A matrix report's key (docs/report-schema.json).
        var cells: Bool
        /// An audit report's keys (docs/audit-schema.json).
        var audit: Bool

        private enum CodingKeys: String, CodingKey {
            case kind, schemaVersion, cells, skipped, readers
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try? container.decodeIfPresent(String.self, forKey: .kind)
            schemaVersion = try? container.decodeIfPresent(Int.self, forKey: .schemaVersion)
            cells = container.contains(.cells)
            audit = container.contains(.skipped) && container.contains(.readers)
        }
    }

    /// The report in `data`, read from `source` (named in every refusal).
    package static func read(_ data: Data, source: String) throws(InputError) -> RunReport {
        guard data.count <= ReportMerger.sizeLimit else {
            throw InputError(source: source, message: "larger than \(ReportMerger.sizeLimit >> 20) MiB, more than any report tlsprobe writes")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            let detail = context.underlyingError.map { " (\(ReportMerger.parserMessage($0)))" } ?? ""
            throw InputError(source: source, message: "malformed JSON\(detail); --run-report takes the JSON of tlsprobe run --output json:FILE")
        } catch {
            throw InputError(source: source, message: "not a tlsprobe run report: \(ReportMerger.describe(error))")
        }
        guard header.kind == "run" else {
            let what = header.kind.map { "a report of kind '\($0)'" }
                ?? (header.cells ? "a matrix report (tlsprobe matrix or gate --format json)"
                    : header.audit ? "an audit report (tlsprobe audit --format json)" : "not a tlsprobe run report (it has no \"kind\": \"run\")")
            throw InputError(source: source, message: "\(what), not a run report; --run-report takes the JSON of tlsprobe run --output json:FILE")
        }
        guard header.schemaVersion == RunReport.currentSchemaVersion else {
            let version = header.schemaVersion.map { "schemaVersion \($0)" } ?? "no schemaVersion"
            throw InputError(source: source, message: "a run report with \(version), not the one this tlsprobe (\(ToolVersion.current)) reads (\(RunReport.currentSchemaVersion))")
        }
        do {
            return try JSONDecoder().decode(RunReport.self, from: data)
        } catch {
            throw InputError(source: source, message: "not a valid schemaVersion \(RunReport.currentSchemaVersion) run report: \(ReportMerger.describe(error))")
        }
    }
}
