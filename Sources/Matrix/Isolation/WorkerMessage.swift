import Foundation
import MatrixModel
import ProxyCore

/// One line of the worker protocol: JSON on the worker's private descriptor 3, one message
/// a line. Never stdout: a plug-in (or a library) that prints would write into the protocol.
///
/// The supervisor reads `hello` first, then `start` before each cell and
/// `result` after it; a `start` without its `result` is the cell a crash or
/// hang happened in. A worker that loads a plug-in says `loading` before it does, so a
/// plug-in whose constructors crash, exit or hang is charged to that plug-in's cells.
package struct WorkerMessage: Sendable, Codable {
    package var hello: WorkerHello?
    package var start: String?
    package var result: CellResult?
    /// The name of the plug-in the worker is about to load (run its constructors).
    package var loading: String?
    /// The name of the plug-in it has just loaded (or found it cannot load).
    package var loaded: String?
    /// The process that wrote the message: a copy of the worker that a plug-in forked
    /// inherits the descriptor too, and what it says is not the worker's.
    package var pid: Int32?

    package init(hello: WorkerHello? = nil, start: String? = nil, result: CellResult? = nil, loading: String? = nil,
                loaded: String? = nil) {
        self.hello = hello
        self.start = start
        self.result = result
        self.loading = loading
        self.loaded = loaded
    }

    package func line() -> String {
        var message = self
        message.pid = getpid()
        // Encoding these plain value types cannot fail; a failure would be a programming error.
        let data = try! JSONCoding.encoder(pretty: false).encode(message)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    package static func parse(_ line: String) -> WorkerMessage? {
        try? JSONDecoder().decode(WorkerMessage.self, from: Data(line.utf8))
    }
}
