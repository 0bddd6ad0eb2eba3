import Foundation

/// The program's arguments with the origin's placeholders filled in: `{origin}`
/// (`127.0.0.1:PORT`), `{origin-v6}` (`[::1]:PORT`), `{origin-port}` and `{ca}` (the CA file).
package struct ArgumentTemplate: Sendable {
    package static let placeholders = ["{origin}", "{origin-v6}", "{origin-port}", "{ca}"]

    let arguments: [String]

    package init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The placeholders the arguments use: `--origin` must be given for any of them.
    package var used: [String] {
        Self.placeholders.filter { placeholder in arguments.contains { $0.contains(placeholder) } }
    }

    /// The arguments with every placeholder replaced by the origin's value.
    package func filled(with origin: RunOrigin) -> [String] {
        arguments.map { argument in
            var text = argument
            text = text.replacingOccurrences(of: "{origin-v6}", with: origin.facts.ipv6 ?? "[::1]:\(origin.facts.port)")
            text = text.replacingOccurrences(of: "{origin-port}", with: String(origin.facts.port))
            text = text.replacingOccurrences(of: "{origin}", with: origin.facts.ipv4)
            text = text.replacingOccurrences(of: "{ca}", with: origin.facts.caFile)
            return text
        }
    }
}
