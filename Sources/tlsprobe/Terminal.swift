import Foundation
import ProxyCore
import ReportRendering

/// Where the CLI writes, and whether colour is welcome there.
enum Terminal {
    /// Writes all of `text` to stdout. A stdout whose reader is gone (`tlsprobe matrix | head -1`)
    /// ends the run quietly with `readerGoneStatus`; one that cannot take it otherwise (a full
    /// disk) ends the run with one line on stderr and exit 2, never a crash.
    static func write(_ text: String) {
        do {
            try writeAll(text, to: STDOUT_FILENO)
        } catch {
            if error.errno == EPIPE { exit(readerGoneStatus) }
            writeError("tlsprobe: cannot write to standard output: \(ErrnoName.describe(error.errno))\n")
            exit(ExitStatus.usage.rawValue)
        }
    }

    /// The status a run ends with when the reader of its stdout has gone: 141, 128 + SIGPIPE,
    /// with nothing on stderr, as the shell reports `yes | head -1`'s `yes`.
    ///
    /// tlsprobe ignores SIGPIPE (OpenSSL writes sockets with write(2), `main.swift`), so it is
    /// told by EPIPE instead of dying of the signal as GNU filters do; it then ends as they end.
    /// Not 0: the output was cut short, and under `set -o pipefail` a `tlsprobe gate … | head`
    /// whose gate would have failed must not make the pipeline succeed. 141 is the contract's
    /// "ended by signal N" (128 + N), and `exit` ends the run's workers and removes its
    /// temporary folder first, as on every exit.
    static let readerGoneStatus: Int32 = 128 + SIGPIPE

    /// Writes an error or progress line to stderr with every control character in it shown
    /// escaped (`\x1B`, `\x0A`), except the one line break that ends it.
    ///
    /// Error lines carry what the user typed or what lies on disk: a runtime path, a plug-in or
    /// merge file's name, an `--output` folder, a `--mode` value. Written raw, an ESC sequence
    /// in one of them would recolour or rewrite the terminal and a line break would forge a
    /// line of tlsprobe's own; this is the one place every such line goes through.
    static func writeError(_ text: String) {
        // Nowhere left to report a failure of stderr itself.
        try? writeAll((ProgressLine.isShowing.load(ordering: .relaxed) ? "\r\u{1B}[K" : "") + escapedLine(text), to: STDERR_FILENO)
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
