/// Prose broken at spaces to fit a terminal, and the document it ends up in:
/// shared by the matrix and audit text renderers.
enum TextWrap {
    /// The lines as one document: trailing blanks trimmed, a final newline.
    static func document(_ lines: [String]) -> String {
        lines.map { String($0.reversed().drop { $0 == " " }.reversed()) }.joined(separator: "\n") + "\n"
    }

    /// Verdict lines in bold red (`bad`) or green, when colour is on.
    static func verdict(_ lines: [String], bad: Bool, color: Bool) -> [String] {
        guard color else { return lines }
        return lines.map { "\u{1B}[\(bad ? "1;31" : "1;32")m\($0)\u{1B}[0m" }
    }

    /// `text` in lines of at most `width` columns: the first starts with `first`, the
    /// rest with `indent`. `visibleExtra`: invisible bytes (colour codes) the first line carries.
    static func lines(_ text: String, width: Int, first: String = "", indent: String = "  ", visibleExtra: Int = 0) -> [String] {
        var lines: [String] = []
        var line = first
        var limit = width + visibleExtra
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if line != first && line != indent && line.count + 1 + word.count > limit {
                lines.append(line)
                line = indent
                limit = width
            }
            line += (line == first || line == indent ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }
}
