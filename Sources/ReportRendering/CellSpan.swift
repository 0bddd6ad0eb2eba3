import MatrixModel

/// A set of cells said briefly, for a failure group: `legacy-fastopen: TFO off v4, v6;
/// teardown TFO on v4, v6`, or `all 4` where every TFO and family combination is there.
/// Cell names stay in the per-cell tables and the JSON.
enum CellSpan {
    /// One part per mode, in the cells' order.
    static func describe(_ cells: [CellResult]) -> String {
        var modes: [BIOMode] = []
        for cell in cells where !modes.contains(cell.mode) { modes.append(cell.mode) }
        return modes.map { mode in
            let mine = cells.filter { $0.mode == mode }
            let phases = Phase.allCases.compactMap { phase -> String? in
                let these = mine.filter { $0.phase == phase }
                guard !these.isEmpty else { return nil }
                let text = combinations(these)
                return phase == .handshake ? text : "\(phase.rawValue) \(text)"
            }
            return "\(mode.rawValue): " + phases.joined(separator: "; ")
        }.joined(separator: " · ")
    }

    /// `all 4`, `TFO off v4, v6`, `TFO off v4, on v6`.
    private static func combinations(_ cells: [CellResult]) -> String {
        let all = TFOSetting.allCases.flatMap { tfo in AddressFamily.allCases.map { (tfo, $0) } }
        let present = all.filter { tfo, family in cells.contains { $0.tfo == tfo && $0.family == family } }
        if present.count == all.count { return "all \(all.count)" }
        return TFOSetting.allCases.compactMap { tfo -> String? in
            let families = present.filter { $0.0 == tfo }.map { $0.1 == .ipv4 ? "v4" : "v6" }
            return families.isEmpty ? nil : "TFO \(tfo.rawValue) \(families.joined(separator: ", "))"
        }.joined(separator: ", ")
    }
}
