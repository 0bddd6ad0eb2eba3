/// Prose broken at spaces to fit a terminal: what every text renderer's long lines go through.
enum TextWrap {
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
