#if canImport(Glibc)
import Glibc
#endif

/// The last bytes a child wrote to a pipe that is only diagnostics (a worker's stdout and
/// stderr), never more than `limit`: what a plug-in writes there, 1 MB chunks in a loop
/// included, must not grow the parent. Only the tail ever ends up in a report.
struct OutputTail {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    /// Everything read, kept or not.
    private(set) var total = 0

    init(limit: Int = 4096) {
        self.limit = limit
    }

    /// Reads what the non-blocking `fd` holds now, at most `budget` bytes so a child that
    /// writes without pause cannot keep the caller from its deadlines; `false` at end of
    /// file (or a read error other than "nothing yet").
    mutating func read(from fd: Int32, budget: Int = 1 << 20) -> Bool {
        ChildProcess.read(fd, budget: budget) { append($0) }
    }

    mutating func append(_ chunk: ArraySlice<UInt8>) {
        total += chunk.count
        bytes += chunk.suffix(limit)
        if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
    }

    /// The last `count` lines, each with control characters shown as `?`: evidence a report
    /// shows line by line (a program's stderr under `tlsprobe run`).
    func lines(_ count: Int) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).map { line in
            String(String.UnicodeScalarView(line.unicodeScalars.map { scalar in
                scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format ? "?" : scalar
            }))
        }
    }

    /// The last `lines` lines of the last `characters` bytes, on one line, with control
    /// characters shown as `?`: a child's words go into a report and a terminal, and a
    /// plug-in's bytes are anything at all.
    func summary(lines: Int = 3, characters: Int = 600) -> String {
        let text = String(decoding: bytes.suffix(characters), as: UTF8.self)
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar == "\n" || !(scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format) ? scalar : "?"
        }))
        return clean.split(separator: "\n").suffix(lines).joined(separator: " | ")
    }
}
