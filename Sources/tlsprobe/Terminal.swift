import Foundation
import ProxyCore
import ReportRendering

/// Where the CLI writes, and whether colour is welcome there.
enum Terminal {
    /// Writes all of `text` to stdout. A stdout that cannot take it (a full disk,
    /// a closed pipe) ends the run with one line on stderr and exit 2, never a crash.
    static func write(_ text: String) {
        do {
            try writeAll(text, to: STDOUT_FILENO)
        } catch {
            writeError("tlsprobe: cannot write to standard output: \(ErrnoName.describe(error.errno))\n")
            exit(ExitStatus.usage.rawValue)
        }
    }

    /// Writes an error or progress line to stderr with every control character in it shown
    /// escaped (`\x1B`, `\x0A`), except the one line break that ends it.
    ///
    /// Error lines carry what the user typed or what lies on disk: a runtime path, a plug-in or
    /// merge file's name, an `--output` folder, a `--mode` value. Written raw, an ESC sequence
    /// in one of them would recolour or rewrite the terminal and a line break would forge a
    /// line of tlsprobe's own; this is the one place every such line goes through.
    static func writeError(_ text: String) {
        // Nowhere left to report a failure of stderr itself.
        try? writeAll(escapedLine(text), to: STDERR_FILENO)
    }

    /// Redraws the terminal's current line (the progress line) with `text`, escaped as
    /// `writeError` escapes: only the carriage return and erase sequence are tlsprobe's own.
    static func redrawLine(_ text: String) {
        try? writeAll("\r\u{1B}[K" + TerminalText.escape(text), to: STDERR_FILENO)
    }

    /// `text` with its control characters escaped, keeping one final line break.
    static func escapedLine(_ text: String) -> String {
        var body = text.unicodeScalars[...]
        let ends = body.last == "\n"
        if ends { body = body.dropLast() }
        return TerminalText.escape(String(body)) + (ends ? "\n" : "")
    }

    /// `write(2)` until every byte is out, retrying on EINTR.
    static func writeAll(_ text: String, to descriptor: Int32) throws(SystemCallError) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write", errno: errno)
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
