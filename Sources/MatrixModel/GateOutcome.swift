/// What `tlsprobe gate` decided, as every output of the run carries it: the
/// JSON's `gate` object, the Markdown's gate section, the JUnit's gate suite,
/// and the exit status, all from this one value so they cannot disagree.
package struct GateOutcome: Sendable, Equatable, Codable {
    package var verdicts: [GateVerdict]
    /// The modes whose cells the gate judges; failures of other cells (the
    /// reproductions, above all) are reported, never counted against the gate.
    package var requiredModes: [BIOMode]
    /// Whether every condition held: the outcome itself.
    package var passed: Bool
    /// The status the run exits with, as the CLI decided it from `passed` and the run
    /// (a run that probed nothing ends 3 whatever the verdicts) and recorded here before
    /// anything is rendered, so that the JSON's `exitCode`, the Markdown's "(exit N)" and
    /// the JUnit's "exit code" say what the process returned. Only the CLI maps outcomes
    /// to exit statuses; this type carries the number and never chooses it.
    package var exitCode: Int

    /// Whether the recorded status is the conditions' own answer: success when all held,
    /// an expectation failed when one did not. Any other (a run that probed nothing) leaves
    /// a condition that held undecided, so no output shows it as a pass.
    package var isDecided: Bool { exitCode == (passed ? 0 : 1) }

    package init(verdicts: [GateVerdict], requiredModes: [BIOMode], exitCode: Int) {
        self.verdicts = verdicts
        self.requiredModes = requiredModes
        passed = verdicts.allSatisfy(\.passed)
        self.exitCode = exitCode
    }
}
