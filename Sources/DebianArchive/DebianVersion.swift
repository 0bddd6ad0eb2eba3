/// Debian's version order (deb-version(7)): epoch, then upstream version and revision
/// compared part by part, `~` before anything (even the end), letters before other
/// characters. An index that lists a package twice keeps the higher version, as apt would.
package enum DebianVersion {
    /// Whether `lhs` sorts before `rhs`.
    package static func isLess(_ lhs: String, _ rhs: String) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// -1, 0 or 1.
    package static func compare(_ lhs: String, _ rhs: String) -> Int {
        let left = split(lhs), right = split(rhs)
        if left.epoch != right.epoch { return left.epoch < right.epoch ? -1 : 1 }
        let upstream = compareParts(Array(left.upstream.utf8), Array(right.upstream.utf8))
        if upstream != 0 { return upstream }
        return compareParts(Array(left.revision.utf8), Array(right.revision.utf8))
    }

    private static func split(_ version: String) -> (epoch: Int, upstream: Substring, revision: Substring) {
        var rest = Substring(version)
        var epoch = 0
        if let colon = rest.firstIndex(of: ":") {
            epoch = Int(rest[..<colon]) ?? 0
            rest = rest[rest.index(after: colon)...]
        }
        guard let dash = rest.lastIndex(of: "-") else { return (epoch, rest, "") }
        return (epoch, rest[..<dash], rest[rest.index(after: dash)...])
    }

    /// A character's weight outside digits: `~` lowest, the end next, letters, then the rest.
    private static func weight(_ byte: UInt8?) -> Int {
        guard let byte else { return 0 }
        if byte == UInt8(ascii: "~") { return -1 }
        if isDigit(byte) { return 0 }
        if (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") { return Int(byte) }
        return Int(byte) + 256
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func compareParts(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0, j = 0
        while i < a.count || j < b.count {
            // The non-digit prefixes, character by character.
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let left = weight(i < a.count ? a[i] : nil), right = weight(j < b.count ? b[j] : nil)
                if left != right { return left < right ? -1 : 1 }
                i += 1
                j += 1
            }
            // The digit runs, as numbers (leading zeros ignored, any length).
            while i < a.count && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.count && b[j] == UInt8(ascii: "0") { j += 1 }
            var startA = i, startB = j
            while i < a.count && isDigit(a[i]) { i += 1 }
            while j < b.count && isDigit(b[j]) { j += 1 }
            let lengthA = i - startA, lengthB = j - startB
            if lengthA != lengthB { return lengthA < lengthB ? -1 : 1 }
            while startA < i {
                if a[startA] != b[startB] { return a[startA] < b[startB] ? -1 : 1 }
                startA += 1
                startB += 1
            }
        }
        return 0
    }
}
