import Foundation
import MatrixModel
import ToolCore

/// Combines JSON reports from many hosts or CI jobs into one `MergedReport`.
///
/// Every input must be a report of `Report.currentSchemaVersion`; anything else
/// is refused with the file's name, and nothing is merged, so a dashboard never
/// shows a report built from fields it misread. Inputs that are themselves
/// merged reports are split back into their hosts first, so merging is
/// associative and host names are numbered once, in input order.
package enum ReportMerger {
    /// One report to merge: its bytes, and the name the user gave it.
    package struct Input: Sendable {
        package var source: String
        package var data: Data

        package init(source: String, data: Data) {
            self.source = source
            self.data = data
        }
    }

    /// The merged report. Its diagnosis and summary are recomputed from the merged
    /// cells; `environment` is the first host's (every host's is in `hosts`).
    package static func merge(_ inputs: [Input], command: [String], generatedAt: Date = Date()) throws(InputError) -> MergedReport {
        var parts: [Part] = []
        var seen: [(source: String, report: Report)] = []
        // Every input's plug-ins, each once: the merged cells name their modes, and their builds
        // say which file ran where (a report from before builds keeps its one path).
        var plugins: [BIOPluginSpec] = []
        for input in inputs {
            let (report, inputParts) = try self.parts(of: input)
            plugins += report.plugins ?? []
            // The same run twice would count every cell twice.
            if let earlier = seen.first(where: { $0.report == report }) {
                throw InputError(source: input.source, message: "the same report as \(earlier.source); give each report once")
            }
            seen.append((input.source, report))
            parts += inputParts
        }
        guard let first = parts.first else {
            throw InputError(source: "tlsprobe merge", message: "no reports to merge")
        }
        var hosts: [MergedHost] = []
        var runtimes: [RuntimeSummary] = []
        var cells: [CellResult] = []
        var reportsPerHostname: [String: Int] = [:]
        for part in parts {
            let hostname = part.host.environment.hostname.isEmpty ? "host" : part.host.environment.hostname
            let count = reportsPerHostname[hostname, default: 0] + 1
            reportsPerHostname[hostname] = count
            var host = part.host
            host.name = count == 1 ? hostname : "\(hostname)#\(count)"
            hosts.append(host)
            runtimes += part.runtimes.map { runtime in
                var runtime = runtime
                runtime.name = "\(host.name):\(runtime.name)"
                return runtime
            }
            cells += part.cells.map { cell in
                var cell = cell
                cell.runtime = "\(host.name):\(cell.runtime)"
                return cell
            }
        }
        var report = Report(command: command, timeoutSeconds: hosts.map(\.timeoutSeconds).max() ?? 0,
                            environment: first.host.environment, runtimes: runtimes, cells: cells,
                            generatedAt: generatedAt)
        report.plugins = plugins.isEmpty ? nil : plugins.uniqued()
        return MergedReport(report: report, hosts: hosts)
    }

    /// One host's share of an input, its runtime names not yet qualified.
    struct Part {
        var host: MergedHost
        var runtimes: [RuntimeSummary]
        var cells: [CellResult]
    }

    /// A report document read in one pass: its `schemaVersion` first, and only when it
    /// is the one this version reads, the report and a merged report's `hosts`.
    ///
    /// One decode, not one per question: each `JSONDecoder.decode` parses the whole
    /// document again, and the report's bytes are up to `sizeLimit`.
    private struct Document: Decodable {
        var schemaVersion: Int?
        var report: Report?
        var hosts: [MergedHost]?

        private enum CodingKeys: String, CodingKey {
            case schemaVersion, hosts
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            schemaVersion = try container.decodeIfPresent(Int.self, forKey: .schemaVersion)
            guard schemaVersion == Report.currentSchemaVersion else { return }
            do {
                report = try Report(from: decoder)
                hosts = try container.decodeIfPresent([MergedHost].self, forKey: .hosts)
            } catch {
                throw NotAReport(underlying: error)
            }
        }
    }

    /// A document of the right `schemaVersion` whose fields do not decode.
    private struct NotAReport: Error {
        let underlying: any Error
    }

    /// The largest report `merge` reads: a three-runtime matrix over all 16 `--kernel-tfo` values is under 2 MiB.
    package static let sizeLimit = 64 << 20

    static func parts(of input: Input) throws(InputError) -> (Report, [Part]) {
        guard input.data.count <= sizeLimit else {
            throw InputError(source: input.source, message: "larger than \(sizeLimit >> 20) MiB, more than any report tlsprobe writes")
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: input.data)
        } catch let error as NotAReport {
            throw InputError(source: input.source,
                             message: "not a valid schemaVersion \(Report.currentSchemaVersion) report: \(describe(error.underlying))")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Not JSON at all: say where, as the parser does.
            let detail = context.underlyingError.map { " (\(Self.parserMessage($0)))" } ?? ""
            throw InputError(source: input.source, message: "malformed JSON\(detail)")
        } catch {
            throw InputError(source: input.source, message: "not a tlsprobe JSON report: \(describe(error))")
        }
        guard let version = document.schemaVersion else {
            throw InputError(source: input.source, message: "not a tlsprobe JSON report: it has no schemaVersion")
        }
        guard version == Report.currentSchemaVersion, let report = document.report else {
            throw InputError(source: input.source,
                             message: "schemaVersion \(version) is not the one this tlsprobe (\(ToolVersion.current)) reads (\(Report.currentSchemaVersion)); merge reports made by one tlsprobe version")
        }
        let hosts = document.hosts
        try validate(report, hosts: hosts, input: input)
        guard let hosts else {
            return (report, [Part(host: MergedHost(name: report.environment.hostname, source: input.source, report: report),
                                  runtimes: report.runtimes, cells: report.cells)])
        }
        // A merged report: give each host back its own runtimes and cells, unqualified.
        var parts = hosts.map { host in
            var host = host
            host.source = input.source
            return Part(host: host, runtimes: [], cells: [])
        }
        func owner(of runtime: String) throws(InputError) -> (index: Int, name: String) {
            for (index, host) in hosts.enumerated() where runtime.hasPrefix(host.name + ":") {
                return (index, String(runtime.dropFirst(host.name.count + 1)))
            }
            throw InputError(source: input.source,
                             message: "runtime '\(runtime)' is not qualified by any of its hosts (\(hosts.map(\.name).joined(separator: ", ")))")
        }
        for runtime in report.runtimes {
            let (index, name) = try owner(of: runtime.name)
            var runtime = runtime
            runtime.name = name
            parts[index].runtimes.append(runtime)
        }
        for cell in report.cells {
            let (index, name) = try owner(of: cell.runtime)
            var cell = cell
            cell.runtime = name
            parts[index].cells.append(cell)
        }
        return (report, parts)
    }

    /// What decoding alone lets through: fields the schema does not have (its objects
    /// are closed), negative counts, cells of runtimes the report does not list, and
    /// the same cell twice in one runtime.
    private static func validate(_ report: Report, hosts: [MergedHost]?, input: Input) throws(InputError) {
        func refuse(_ message: String) -> InputError { InputError(source: input.source, message: message) }
        // Compact: only the shape of these bytes is looked at.
        let known: Data
        do {
            known = try hosts.map { try JSONCoding.encoder(pretty: false).encode(MergedReport(report: report, hosts: $0)) }
                ?? JSONCoding.encoder(pretty: false).encode(report)
        } catch {
            throw refuse("cannot be re-encoded: \(error)")
        }
        let interner = JSONShape.Interner()
        guard let given = input.data.withUnsafeBytes({ JSONShape.of($0, interner: interner) }),
              let understood = known.withUnsafeBytes({ JSONShape.of($0, interner: interner) }) else {
            throw refuse("malformed JSON (its fields cannot be told apart)")
        }
        if let unknown = JSONShape.firstUnknownKey(in: given, understood: understood) {
            throw refuse("\(unknown) is not a field of a schemaVersion \(Report.currentSchemaVersion) report")
        }
        let listed = Set(report.runtimes.map(\.name))
        var names = Set<String>()
        for cell in report.cells {
            guard listed.contains(cell.runtime) else { throw refuse("cell \(cell.name) names runtime '\(cell.runtime)', which the report does not list") }
            guard names.insert("\(cell.runtime)\u{0}\(cell.name)").inserted else {
                throw refuse("cell \(cell.name) of runtime '\(cell.runtime)' appears twice")
            }
            if let memory = cell.memory, memory.leakedAllocations < 0 || memory.leakedBytes < 0 || memory.foreignFrees < 0 {
                throw refuse("cell \(cell.name) of runtime '\(cell.runtime)' has a negative memory count")
            }
            guard cell.durationMilliseconds >= 0 else { throw refuse("cell \(cell.name) has a negative duration") }
        }
        guard report.timeoutSeconds >= 0, report.summary.values.allSatisfy({ $0 >= 0 }) else {
            throw refuse("negative timeout or summary count")
        }
    }

    /// What the JSON parser said about bytes that are not JSON, in one line.
    static func parserMessage(_ error: any Error) -> String {
        let nsError = error as NSError
        if let debug = nsError.userInfo[NSDebugDescriptionErrorKey] { return "\(debug)" }
        return "\(error)"
    }

    /// A decoding error in one line, with the path of the field it is about.
    static func describe(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the document" : String(text.drop { $0 == "." })
        }
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context, key)) is missing"
        case .typeMismatch(let type, let context):
            return context.codingPath.isEmpty ? "the document is not a JSON object" : "\(path(context)) is not of type \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)) is null, expected \(type)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
