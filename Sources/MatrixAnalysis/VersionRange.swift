import Foundation
import ToolCore

/// A set of OpenSSL versions that a CI job accepts: `>=3.0.0, <3.2.0`, `>=3.2`, `==3.0`.
///
/// Comparisons joined by commas must all hold. Each is an operator (`>=`, `>`,
/// `<=`, `<`, `==` or `=`, the last two alike) and a version of one to three
/// numbers. Ordering operators fill missing numbers with zeros (`<3.2` is
/// `<3.2.0`), while `==` matches the series it names (`==3.0` holds for 3.0.19),
/// because "this OpenSSL series" is what a CI job pinning a runtime means.
package struct VersionRange: Sendable, Equatable, CustomStringConvertible {
    package enum Operator: String, Sendable, CaseIterable {
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case equal = "=="
        case greater = ">"
        case less = "<"
    }

    package struct Comparison: Sendable, Equatable, CustomStringConvertible {
        package var op: Operator
        /// One to three numbers, as written.
        package var version: [Int]

        package func holds(for candidate: [Int]) -> Bool {
            switch op {
            case .equal:
                let padded = candidate + Array(repeating: 0, count: max(0, version.count - candidate.count))
                return Array(padded.prefix(version.count)) == version
            case .greaterOrEqual: return VersionRange.compare(candidate, version) >= 0
            case .greater: return VersionRange.compare(candidate, version) > 0
            case .lessOrEqual: return VersionRange.compare(candidate, version) <= 0
            case .less: return VersionRange.compare(candidate, version) < 0
            }
        }

        package var description: String { op.rawValue + version.map(String.init).joined(separator: ".") }
    }

    /// What the user wrote, not our rewrite of it: conditions quote it back.
    package let text: String
    package let comparisons: [Comparison]

    package init(_ text: String) throws(InputError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else {
            throw Self.invalid(text, "empty comparison")
        }
        var comparisons: [Comparison] = []
        for part in parts {
            guard let op = Operator.allCases.first(where: { part.hasPrefix($0.rawValue) })
                ?? (part.hasPrefix("=") ? .equal : nil) else {
                throw Self.invalid(text, "'\(part)' has no operator")
            }
            let length = part.hasPrefix(op.rawValue) ? op.rawValue.count : 1
            let rest = part.dropFirst(length).trimmingCharacters(in: .whitespaces)
            guard let version = VersionRange.numbers(rest) else {
                throw Self.invalid(text, "'\(rest)' is not a version of 1 to 3 numbers")
            }
            comparisons.append(Comparison(op: op, version: version))
        }
        self.text = text
        self.comparisons = comparisons
    }

    private static func invalid(_ text: String, _ problem: String) -> InputError {
        InputError(source: "not a version range: '\(text)'",
                   message: "\(problem); expected comparisons joined by commas, each one of >=, >, <=, <, ==, = and a version of 1 to 3 numbers, e.g. '>=3.0.0, <3.2.0' or '>=3.2'")
    }

    /// Whether `version` (`3.0.19`) is in the range; `false` for text that is no version.
    package func contains(_ version: String) -> Bool {
        guard let numbers = VersionRange.numbers(version) else { return false }
        return comparisons.allSatisfy { $0.holds(for: numbers) }
    }

    package var description: String { text }

    /// `3`, `3.2`, `3.2.1`: the numbers, or `nil`.
    static func numbers(_ text: String) -> [Int]? {
        let fields = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count) else { return nil }
        var numbers: [Int] = []
        for field in fields {
            guard !field.isEmpty, field.allSatisfy(\.isASCII), field.allSatisfy(\.isNumber),
                  let number = Int(field) else { return nil }
            numbers.append(number)
        }
        return numbers
    }

    /// -1, 0 or 1, missing numbers counting as zero.
    static func compare(_ lhs: [Int], _ rhs: [Int]) -> Int {
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            if left != right { return left < right ? -1 : 1 }
        }
        return 0
    }
}
