import MatrixModel
import ToolCore

/// Every mode on every runtime (and `tcp_fastopen` value) at a glance: one row per mode,
/// one column per runtime, each entry the outcomes of its cells in the plan's order (TFO
/// off then on, IPv4 then IPv6), the connection phase first and the teardown phase
/// after it. The text and Markdown renderers draw it with their own marks.
struct Pivot {
    struct Column: Hashable {
        let runtime: String
        let version: String
        /// Set when the run had private namespaces, one column per `tcp_fastopen` value.
        let kernelTFO: Int?
    }

    struct Row {
        let mode: BIOMode
        /// Per column, per phase in `Phase` order: the outcomes, empty where no cell was planned.
        let entries: [[[Outcome]]]
    }

    let columns: [Column]
    let rows: [Row]
    /// Whether any row has a teardown phase (the legend says what the second group is).
    let hasTeardown: Bool
    let namespaced: Bool

    init(_ report: Report) {
        namespaced = report.cells.contains(where: \.privateNamespace)
        let byRuntime = Dictionary(grouping: report.cells, by: \.runtime)
        columns = report.runtimes.filter { $0.error == nil }.flatMap { runtime -> [Column] in
            let version = runtime.openSSL?.runtimeVersion ?? "?"
            let values = (byRuntime[runtime.name] ?? []).filter(\.privateNamespace).map(\.kernelTFO).uniqued()
            return values.isEmpty ? [Column(runtime: runtime.name, version: version, kernelTFO: nil)]
                : values.map { Column(runtime: runtime.name, version: version, kernelTFO: $0) }
        }
        // Built-in modes in the matrix's order, then the plug-ins by name.
        func order(_ mode: BIOMode) -> (Int, String) {
            (BIOMode.allCases.firstIndex(of: mode) ?? BIOMode.allCases.count, mode.rawValue)
        }
        let modes = report.cells.map(\.mode).uniqued().sorted { order($0) < order($1) }
        let byMode = Dictionary(grouping: report.cells, by: \.mode)
        let columns = columns, namespaced = namespaced
        rows = modes.map { mode in
            let mine = byMode[mode] ?? []
            return Row(mode: mode, entries: columns.map { column in
                Phase.allCases.map { phase in
                    mine.filter {
                        $0.runtime == column.runtime && $0.phase == phase && (!namespaced || $0.kernelTFO == column.kernelTFO)
                    }.map(\.outcome)
                }
            })
        }
        hasTeardown = report.cells.contains { $0.phase == .teardown }
    }

    /// An entry's marks: each phase's outcomes through `mark`, the phases apart by `separator`;
    /// `empty` when nothing was planned there.
    static func entry(_ phases: [[Outcome]], mark: (Outcome) -> String, separator: String, empty: String) -> String {
        let groups = phases.filter { !$0.isEmpty }.map { $0.map(mark).joined() }
        return groups.isEmpty ? empty : groups.joined(separator: separator)
    }
}
