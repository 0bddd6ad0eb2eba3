/// `--fail-on`: the least worrying class that still fails a CI job. The classes
/// of concern are ordered, so `inherits-socket-bio` also fails on
/// `affected-pattern`: a job that refuses deprecated method copies refuses the
/// broken ones too.
package enum AuditFailureThreshold: String, Sendable, Codable, CaseIterable {
    case affectedPattern = "affected-pattern"
    case inheritsSocketBIO = "inherits-socket-bio"

    /// The classes that fail at this threshold.
    package var classes: [AuditClass] {
        switch self {
        case .affectedPattern: [.affectedPattern]
        case .inheritsSocketBIO: [.affectedPattern, .inheritsSocketBIO]
        }
    }

    package func fails(_ auditClass: AuditClass) -> Bool {
        classes.contains(auditClass)
    }
}
