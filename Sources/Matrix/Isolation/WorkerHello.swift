import MatrixModel
import ProxyCore

/// What a worker says before its first cell: which OpenSSL it really loaded.
package struct WorkerHello: Sendable {
    package var openSSL: OpenSSLRuntime
    package var environment: EnvironmentFacts
    /// Whether `CRYPTO_set_mem_functions` took: without it no cell can report leaks.
    package var memoryAccounting: Bool
    /// What `proxy-core` picks with TFO off and on; `nil` when the worker refused
    /// before it had a connector (`setupError`, `namespaceError`).
    package var policyTFOOff: OriginConnector.Strategy?
    package var policyTFOOn: OriginConnector.Strategy?
    /// Set when the worker could not set up its servers or TLS contexts.
    package var setupError: String?
    /// Set when the worker could not enter its private network namespace: its cells are `skipped`.
    package var namespaceError: String?
}

// The worker's line keeps a policy of none as `""`, as it always has.
extension WorkerHello: Codable {
    private enum CodingKeys: String, CodingKey {
        case openSSL, environment, memoryAccounting, policyTFOOff, policyTFOOn, setupError, namespaceError
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        openSSL = try container.decode(OpenSSLRuntime.self, forKey: .openSSL)
        environment = try container.decode(EnvironmentFacts.self, forKey: .environment)
        memoryAccounting = try container.decode(Bool.self, forKey: .memoryAccounting)
        policyTFOOff = try container.decodePolicy(forKey: .policyTFOOff)
        policyTFOOn = try container.decodePolicy(forKey: .policyTFOOn)
        setupError = try container.decodeIfPresent(String.self, forKey: .setupError)
        namespaceError = try container.decodeIfPresent(String.self, forKey: .namespaceError)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(openSSL, forKey: .openSSL)
        try container.encode(environment, forKey: .environment)
        try container.encode(memoryAccounting, forKey: .memoryAccounting)
        try container.encode(policyTFOOff?.rawValue ?? "", forKey: .policyTFOOff)
        try container.encode(policyTFOOn?.rawValue ?? "", forKey: .policyTFOOn)
        try container.encodeIfPresent(setupError, forKey: .setupError)
        try container.encodeIfPresent(namespaceError, forKey: .namespaceError)
    }
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
