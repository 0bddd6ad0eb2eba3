import Foundation

/// Which report a file given to `tlsprobe merge` is, from its top-level keys: an
/// audit report has `skipped` and `readers` (docs/audit-schema.json), a matrix report
/// `cells` (docs/report-schema.json). Neither has a kind field of its own; these keys
/// are required by each schema and absent from the other. A `tlsprobe run` report says
/// `"kind": "run"`; merge refuses it by name.
enum MergeInputKind: Equatable {
    case matrix
    case audit
    case run

    private enum Keys: String, CodingKey {
        case skipped, readers, cells, kind
    }

    private struct Probe: Decodable {
        let kind: MergeInputKind?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            if (try? container.decodeIfPresent(String.self, forKey: .kind)) == "run" {
                kind = .run
            } else if container.contains(.skipped) && container.contains(.readers) && !container.contains(.cells) {
                kind = .audit
            } else {
                kind = container.contains(.cells) ? .matrix : nil
            }
        }
    }

    /// `nil` for a document that is neither (or not a JSON object): the matrix merger
    /// then refuses it with its own reasons.
    static func of(_ data: Data) -> MergeInputKind? {
        (try? JSONDecoder().decode(Probe.self, from: data))?.kind
    }

    /// `audit report`, `matrix report`: how a refusal names it.
    var name: String {
        switch self {
        case .matrix: "a matrix report"
        case .audit: "an audit report"
        case .run: "a run report"
        }
    }
}
