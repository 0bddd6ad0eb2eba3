/// What `tlsprobe gate` decided, as every output of the run carries it: the
/// JSON's `gate` object, the Markdown's gate section, the JUnit's gate suite,
/// and the exit code, all from this one value so they cannot disagree.
package struct GateOutcome: Sendable, Equatable, Codable {
    package var verdicts: [GateVerdict]
    /// The modes whose cells the gate judges; failures of other cells (the
    /// reproductions, above all) are reported, never counted against the gate.
    package var requiredModes: [BIOMode]
    package var passed: Bool
    /// 0 when every condition held, 1 when one did not, 3 when nothing could be probed.
    package var exitCode: Int

    package init(verdicts: [GateVerdict], requiredModes: [BIOMode]) {
        self.verdicts = verdicts
        self.requiredModes = requiredModes
        passed = verdicts.allSatisfy(\.passed)
        exitCode = passed ? 0 : 1
    }
}
