import MatrixModel

/// The findings of one mechanism across every runtime it holds for: a report
/// says each mechanism once, naming its runtimes, instead of once per runtime.
package struct FindingGroup: Sendable, Equatable {
    package var mechanism: Finding.Mechanism
    /// The findings, one per runtime, in the report's runtime order.
    package var findings: [Finding]

    /// What the mechanism is, without a version: the findings' titles add it.
    package var headline: String {
        switch mechanism {
        case .dataPointerRegression: "Legacy fast-open BIO fails TFO-off connections"
        case .pointerOverwritten: "Legacy fast-open BIO overwrites the socket BIO's data pointer"
        case .migrationTrap: "BIO_set_conn_address on a plain socket BIO does not connect"
        case .pointerNulled: "A NULL conn address leaks the socket BIO's struct on TFO-off connections"
        case .recordOverwritten: "OpenSSL zeroes the start of the application's record kept in BIO data, then frees it"
        }
    }

    package var runtimes: [String] { findings.map(\.runtime) }

    /// The explanations that differ (usually one: the mechanism is the same everywhere).
    package var explanations: [String] { findings.map(\.explanation).uniqued() }

    package var fixes: [String] { findings.map(\.fix).uniqued() }

    /// Groups `findings` by mechanism, in the order each mechanism first appears.
    package static func groups(_ findings: [Finding]) -> [FindingGroup] {
        findings.map(\.mechanism).uniqued().map { mechanism in
            FindingGroup(mechanism: mechanism, findings: findings.filter { $0.mechanism == mechanism })
        }
    }
}
