import Foundation
import ProxyCore

/// One line of the worker protocol: JSON on the worker's stdout, one message a line.
///
/// The supervisor reads `hello` first, then `start` before each cell and
/// `result` after it; a `start` without its `result` is the cell a crash or
/// hang happened in.
public struct WorkerMessage: Sendable, Codable {
    public var hello: WorkerHello?
    public var start: String?
    public var result: CellResult?

    public init(hello: WorkerHello? = nil, start: String? = nil, result: CellResult? = nil) {
        self.hello = hello
        self.start = start
        self.result = result
    }

    public func line() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail; a failure would be a programming error.
        let data = try! encoder.encode(self)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public static func parse(_ line: String) -> WorkerMessage? {
        try? JSONDecoder().decode(WorkerMessage.self, from: Data(line.utf8))
    }
}

/// What a worker says before its first cell: which OpenSSL it really loaded.
public struct WorkerHello: Sendable, Codable {
    public var openSSL: OpenSSLRuntime
    public var environment: EnvironmentFacts
    /// Whether `CRYPTO_set_mem_functions` took: without it no cell can report leaks.
    public var memoryAccounting: Bool
    public var policyTFOOff: String
    public var policyTFOOn: String
    /// Set when the worker could not set up its servers or TLS contexts.
    public var setupError: String?
    /// Set when the worker could not enter its private network namespace: its cells are `skipped`.
    public var namespaceError: String?
}

/// What a worker is asked to run.
public struct WorkerConfiguration: Sendable {
    public var runtimeName: String
    public var cells: [Cell]
    public var timeout: Double
    public var debugCrash: Set<String>
    public var debugHang: Set<String>
    /// `tcp_fastopen` for a private network namespace; `nil` runs in the host's namespace as found.
    public var namespaceTFO: Int?

    public init(runtimeName: String, cells: [Cell], timeout: Double, debugCrash: Set<String> = [], debugHang: Set<String> = [],
                namespaceTFO: Int? = nil) {
        self.namespaceTFO = namespaceTFO
        self.runtimeName = runtimeName
        self.cells = cells
        self.timeout = timeout
        self.debugCrash = debugCrash
        self.debugHang = debugHang
    }

    /// The worker's command-line arguments (after `tlsprobe worker`).
    var arguments: [String] {
        var arguments = ["--runtime-name", runtimeName, "--timeout", String(timeout)]
        if let namespaceTFO { arguments += ["--netns-tfo", String(namespaceTFO)] }
        for cell in cells { arguments += ["--cell", cell.name] }
        for name in debugCrash.sorted() { arguments += ["--debug-crash", name] }
        for name in debugHang.sorted() { arguments += ["--debug-hang", name] }
        return arguments
    }
}
