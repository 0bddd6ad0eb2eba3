import Foundation

/// Where the CLI writes, and whether colour is welcome there.
enum Terminal {
    /// Colour only on a TTY, and never when `NO_COLOR` is set (https://no-color.org).
    static var wantsColor: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
