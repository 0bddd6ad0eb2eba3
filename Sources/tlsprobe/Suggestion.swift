/// The valid name a mistyped one most likely meant: `matrx` → `matrix`, `trixy` → `trixie`.
///
/// A suggestion is offered only within two edits (insertions, deletions, substitutions),
/// as git and cargo do: further off, the nearest name is a guess, and a wrong "did you mean"
/// sends the user the wrong way; the list of valid names is given instead.
enum Suggestion {
    /// The most edits a typo may be from the name it suggests.
    static let maximumDistance = 2

    /// The name of `candidates` nearest to `typed` within `maximumDistance` edits, the first
    /// of them on a tie; `nil` when none is that close, or when `typed` is one of them.
    static func nearest(to typed: String, in candidates: [String]) -> String? {
        guard !candidates.contains(typed) else { return nil }
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(typed, candidate)
            if distance <= maximumDistance, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Levenshtein distance over Unicode scalars: the fewest single-scalar insertions,
    /// deletions and substitutions that turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        var previous = Array(0...b.count)
        for (i, scalar) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices {
                let substitution = previous[j] + (scalar == b[j] ? 0 : 1)
                current[j + 1] = min(substitution, previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return previous[b.count]
    }
}
