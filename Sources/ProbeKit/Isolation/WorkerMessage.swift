import Foundation
import ProxyCore

/// One line of the worker protocol: JSON on the worker's stdout, one message a line.
///
/// The supervisor reads `hello` first, then `start` before each cell and
/// `result` after it; a `start` without its `result` is the cell a crash or
/// hang happened in.
package struct WorkerMessage: Sendable, Codable {
    package var hello: WorkerHello?
    package var start: String?
    package var result: CellResult?

    package init(hello: WorkerHello? = nil, start: String? = nil, result: CellResult? = nil) {
        self.hello = hello
        self.start = start
        self.result = result
    }

    package func line() -> String {
        // Encoding these plain value types cannot fail; a failure would be a programming error.
        let data = try! JSONCoding.encoder(pretty: false).encode(self)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    package static func parse(_ line: String) -> WorkerMessage? {
        try? JSONDecoder().decode(WorkerMessage.self, from: Data(line.utf8))
    }
}
