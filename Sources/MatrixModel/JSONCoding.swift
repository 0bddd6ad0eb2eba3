import Foundation

/// The one JSON set-up every output shares: sorted keys and unescaped slashes,
/// so the same report always gives the same bytes and paths read as paths.
package enum JSONCoding {
    package static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as one pretty-printed document with a final newline.
    package static func document<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self) + "\n"
    }
}
