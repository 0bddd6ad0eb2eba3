/// The axes of a matrix run; the CLI's options become one of these.
package struct MatrixPlan: Sendable {
    package var runtimes: [RuntimeSpec]
    package var modes: [BIOMode]
    package var tfo: [TFOSetting]
    package var families: [AddressFamily]
    /// Teardown cells are made only for `Phase.teardownModes`.
    package var phases: [Phase]
    /// `tcp_fastopen` values to run in private network namespaces; empty runs in the host's as found.
    package var kernelTFO: [Int] = []
    /// Seconds each cell may take before it is a `timeout`.
    package var timeout: Double

    package init(runtimes: [RuntimeSpec] = [.system], modes: [BIOMode] = BIOMode.allCases,
                tfo: [TFOSetting] = TFOSetting.allCases, families: [AddressFamily] = AddressFamily.allCases,
                phases: [Phase] = Phase.allCases, timeout: Double = 5) {
        self.runtimes = runtimes
        self.modes = modes
        self.tfo = tfo
        self.families = families
        self.phases = phases
        self.timeout = timeout
    }

    /// The cells each runtime runs: every combination, mode-major, handshake before teardown.
    package var cells: [Cell] {
        phases.flatMap { phase in
            modes.filter { phase == .handshake || Phase.teardownModes.contains($0) }.flatMap { mode in
                tfo.flatMap { tfo in
                    families.map { Cell(mode: mode, tfo: tfo, family: $0, phase: phase) }
                }
            }
        }
    }
}
