import Foundation

/// Shared by the golden-file and end-to-end tests: checks on rendered Markdown.

/// GFM tables in a Markdown document, outside fenced blocks.
package enum MarkdownTables {
    /// Each table as its lines, header and separator included.
    package static func tables(in markdown: String) -> [[String]] {
        var tables: [[String]] = []
        var current: [String] = []
        var fence: String?
        for line in markdown.components(separatedBy: "\n") {
            if let open = fence {
                if line.hasPrefix(open), line.allSatisfy({ $0 == "`" }) { fence = nil }
                continue
            }
            if line.hasPrefix("```") {
                fence = String(line.prefix { $0 == "`" })
                continue
            }
            if line.hasPrefix("|") {
                current.append(line)
            } else if !current.isEmpty {
                tables.append(current)
                current = []
            }
        }
        if !current.isEmpty { tables.append(current) }
        return tables
    }

    /// Cells in a row: pipes not escaped by a backslash, less the outer two.
    package static func columns(_ row: String) -> Int {
        var pipes = 0
        var backslashes = 0
        for character in row {
            if character == "|", backslashes % 2 == 0 { pipes += 1 }
            backslashes = character == "\\" ? backslashes + 1 : 0
        }
        return pipes - 1
    }

    /// Every row as wide as the header, and a separator row of `---`/`---:` below it.
    package static func problems(in markdown: String) -> [String] {
        var problems: [String] = []
        for table in tables(in: markdown) {
            guard table.count >= 2 else {
                problems.append("a table without a separator: \(table[0])")
                continue
            }
            let width = columns(table[0])
            let separator = table[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if separator.count != width || !separator.allSatisfy({ $0 == "---" || $0 == "---:" }) {
                problems.append("not a separator row for \(width) columns: \(table[1])")
            }
            for row in table where columns(row) != width {
                problems.append("\(columns(row)) columns instead of \(width): \(row)")
            }
        }
        return problems
    }
}
