/// The axes of a matrix run; the CLI's options become one of these.
public struct MatrixPlan: Sendable {
    public var runtimes: [RuntimeSpec]
    public var modes: [BIOMode]
    public var tfo: [TFOSetting]
    public var families: [AddressFamily]
    /// Teardown cells are made only for `Phase.teardownModes`.
    public var phases: [Phase]
    /// `tcp_fastopen` values to run in private network namespaces; empty runs in the host's as found.
    public var kernelTFO: [Int] = []
    /// Seconds each cell may take before it is a `timeout`.
    public var timeout: Double
    /// Hidden debug aids for the isolation tests: cells whose worker crashes or hangs on purpose.
    public var debugCrash: Set<String> = []
    public var debugHang: Set<String> = []

    public init(runtimes: [RuntimeSpec] = [.system], modes: [BIOMode] = BIOMode.allCases,
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
    public var cells: [Cell] {
        phases.flatMap { phase in
            modes.filter { phase == .handshake || Phase.teardownModes.contains($0) }.flatMap { mode in
                tfo.flatMap { tfo in
                    families.map { Cell(mode: mode, tfo: tfo, family: $0, phase: phase) }
                }
            }
        }
    }
}
