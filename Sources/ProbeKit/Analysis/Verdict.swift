/// The run's conclusion in one line a person can paste into a chat, built from
/// the diagnosis evidence and the cells only (never from a version number):
///
/// `legacy fast-open BIO: AFFECTED on OpenSSL 3.5.9 (.runtimes/trixie): sendto(MSG_FASTOPEN) got address
/// length 0 → EINVAL; not affected on 3.0.19 (system). proxy-core: ok on all 2.`
package enum Verdict {
    package static func line(runtimes: [RuntimeSummary], cells: [CellResult], diagnosis: [Finding]) -> String {
        let measured = runtimes.filter { $0.openSSL != nil }
        guard !measured.isEmpty, cells.contains(where: { $0.outcome != .skipped }) else {
            return "nothing probed: no runtime ran a cell"
        }
        var clauses: [String] = []
        if let legacy = legacyClause(measured, cells, diagnosis) { clauses.append(legacy) }
        if let trap = trapClause(measured, diagnosis) { clauses.append(trap) }
        clauses.append(proxyCoreClause(measured, cells))
        if let hint = regressionHint(measured) { clauses.append(hint) }
        return clauses.joined(separator: ". ") + "."
    }

    /// `3.5.9 (.runtimes/trixie)`.
    private static func name(_ runtime: RuntimeSummary) -> String {
        "\(runtime.openSSL?.runtimeVersion ?? "?") (\(runtime.name))"
    }

    /// `a`, `a and b`, `a, b and c`.
    private static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// The legacy fast-open BIO: affected where the diagnosis found the data-pointer
    /// regression or the overwritten pointer; not affected where its cells ran cleanly.
    private static func legacyClause(_ runtimes: [RuntimeSummary], _ cells: [CellResult], _ diagnosis: [Finding]) -> String? {
        let legacy = cells.filter { $0.mode == .legacyFastOpen && $0.outcome != .skipped }
        guard !legacy.isEmpty else { return nil }
        let regression = Set(diagnosis.filter { $0.mechanism == .dataPointerRegression }.map(\.runtime))
        let overwritten = Set(diagnosis.filter { $0.mechanism == .pointerOverwritten }.map(\.runtime))
        let affected = runtimes.filter { regression.contains($0.name) || overwritten.contains($0.name) }
        let clean = runtimes.filter { runtime in
            !affected.contains { $0.name == runtime.name } && legacy.contains { $0.runtime == runtime.name }
        }
        var text = "legacy fast-open BIO: "
        if affected.isEmpty {
            text += "not affected on \(list(clean.map(name)))"
            return text
        }
        text += "AFFECTED on OpenSSL \(list(affected.map(name)))"
        var how: [String] = []
        if !regression.isEmpty {
            let errnos = Set(legacy.filter { regression.contains($0.runtime) && $0.firstWrite?.addressLength == 0 }
                .compactMap { $0.firstWrite?.errnoName }).sorted()
            how.append("sendto(MSG_FASTOPEN) got address length 0" + (errnos.isEmpty ? "" : " → \(errnos.joined(separator: "/"))"))
        }
        let memory = legacy.filter { overwritten.contains($0.runtime) }.compactMap(\.memory)
        if memory.contains(where: { $0.foreignFrees > 0 }) { how.append("OpenSSL freed the application's address") }
        if memory.contains(where: { $0.leakedAllocations > 0 }) { how.append("OpenSSL's socket-BIO struct leaked") }
        if !how.isEmpty { text += ": " + how.joined(separator: ", ") }
        if !clean.isEmpty { text += "; not affected on \(list(clean.map(name)))" }
        return text
    }

    private static func trapClause(_ runtimes: [RuntimeSummary], _ diagnosis: [Finding]) -> String? {
        let trapped = Set(diagnosis.filter { $0.mechanism == .migrationTrap }.map(\.runtime))
        guard !trapped.isEmpty else { return nil }
        return "BIO_set_conn_address on a plain socket BIO never connects on OpenSSL \(list(runtimes.filter { trapped.contains($0.name) }.map(name)))"
    }

    private static func proxyCoreClause(_ runtimes: [RuntimeSummary], _ cells: [CellResult]) -> String {
        let probed = cells.filter { $0.mode == .proxyCore && $0.outcome != .skipped }
        guard !probed.isEmpty else { return "proxy-core: not probed" }
        let failing = runtimes.filter { runtime in probed.contains { $0.runtime == runtime.name && $0.outcome != .ok } }
        guard failing.isEmpty else {
            let count = probed.filter { $0.outcome != .ok }.count
            return "proxy-core: FAILED on OpenSSL \(list(failing.map(name))) (\(count) cell\(count == 1 ? "" : "s") not ok)"
        }
        let ran = runtimes.filter { runtime in probed.contains { $0.runtime == runtime.name } }
        return ran.count == 1 ? "proxy-core: ok on \(name(ran[0]))" : "proxy-core: ok on all \(ran.count)"
    }

    /// Every runtime's socket BIO left its data pointer alone (measured, not read off a
    /// version): this run cannot show the regression, and the line says how to see it.
    private static func regressionHint(_ runtimes: [RuntimeSummary]) -> String? {
        guard runtimes.allSatisfy({ $0.openSSL?.socketBIOOwnsData == false }) else { return nil }
        let which = runtimes.count == 1 ? "This OpenSSL's socket BIO leaves" : "No runtime's socket BIO uses"
        return "\(which) the BIO data pointer alone (the 3.2 change is absent), so the regression cannot show here; to see it: scripts/fetch-openssl-runtime trixie && tlsprobe matrix --runtime system --runtime .runtimes/trixie"
    }
}
