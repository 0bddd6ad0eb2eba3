/// The axes of a matrix run; the CLI's options become one of these.
public struct MatrixPlan: Sendable {
    public var modes: [BIOMode]
    public var tfo: [TFOSetting]
    public var families: [AddressFamily]
    /// Seconds each cell may take before it is a `timeout`.
    public var timeout: Double

    public init(modes: [BIOMode] = BIOMode.allCases, tfo: [TFOSetting] = TFOSetting.allCases,
                families: [AddressFamily] = AddressFamily.allCases, timeout: Double = 5) {
        self.modes = modes
        self.tfo = tfo
        self.families = families
        self.timeout = timeout
    }

    /// Every combination, mode-major, in the order the axes were given.
    public var cells: [Cell] {
        modes.flatMap { mode in
            tfo.flatMap { tfo in
                families.map { Cell(mode: mode, tfo: tfo, family: $0) }
            }
        }
    }
}
