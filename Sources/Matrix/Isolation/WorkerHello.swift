import MatrixModel
import ProxyCore

/// What a worker says before its first cell: which OpenSSL it really loaded.
package struct WorkerHello: Sendable, Codable {
    package var openSSL: OpenSSLRuntime
    package var environment: EnvironmentFacts
    /// Whether `CRYPTO_set_mem_functions` took: without it no cell can report leaks.
    package var memoryAccounting: Bool
    package var policyTFOOff: String
    package var policyTFOOn: String
    /// Set when the worker could not set up its servers or TLS contexts.
    package var setupError: String?
    /// Set when the worker could not enter its private network namespace: its cells are `skipped`.
    package var namespaceError: String?
}

extension RuntimeSummary {
    /// What the runtime's worker said it loaded.
    mutating func accept(_ hello: WorkerHello) {
        openSSL = hello.openSSL
        memoryAccounting = hello.memoryAccounting
        policyTFOOff = hello.policyTFOOff
        policyTFOOn = hello.policyTFOOn
    }
}
