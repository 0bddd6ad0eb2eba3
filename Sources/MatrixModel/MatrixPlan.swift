/// The axes of a matrix run; the CLI's options become one of these.
package struct MatrixPlan: Sendable {
    package var runtimes: [RuntimeSpec]
    package var modes: [BIOMode]
    package var tfo: [TFOSetting]
    package var families: [AddressFamily]
    /// Teardown cells are made only for the modes that have one (`BIOMode.hasTeardown`).
    package var phases: [Phase]
    /// The `--bio-plugin` shared objects; each adds its mode, `plugin:NAME`, to every runtime.
    package private(set) var plugins: [BIOPluginSpec] = []
    /// Whether workers account OpenSSL's allocations (the default); `false` is `--no-accounting`,
    /// the raw symptom: a foreign free does in the worker what it does in a proxy.
    package var accounting = true
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

    /// Adds each plug-in and its mode.
    package mutating func add(_ plugins: [BIOPluginSpec]) {
        self.plugins += plugins
        modes += plugins.map(\.mode).filter { !modes.contains($0) }
    }

    /// The cells each runtime runs: every combination, mode-major, handshake before teardown.
    package var cells: [Cell] {
        phases.flatMap { phase in
            modes.filter { phase == .handshake || $0.hasTeardown }.flatMap { mode in
                tfo.flatMap { tfo in
                    families.map { Cell(mode: mode, tfo: tfo, family: $0, phase: phase) }
                }
            }
        }
    }
}
