import MatrixModel

/// The run's conclusion in one line a person can paste into a chat, built from
/// the diagnosis evidence and the cells only (never from a version number): one
/// clause per broken design the run probed, then how proxy-core did.
///
/// `legacy fast-open BIO: AFFECTED on OpenSSL 3.5.9 (trixie): sendto(MSG_FASTOPEN) got address
/// length 0 → EINVAL; not affected on 3.0.19 (system). proxy-core: ok on all 2.`
package enum Verdict {
    package static func line(runtimes: [RuntimeSummary], cells: [CellResult], diagnosis: [Finding]) -> String {
        let measured = runtimes.filter { $0.openSSL != nil }
        guard !measured.isEmpty, cells.contains(where: { $0.outcome != .skipped }) else {
            return "nothing probed: no runtime ran a cell"
        }
        var clauses: [String] = []
        if let legacy = legacyClause(measured, cells, diagnosis) { clauses.append(legacy) }
        if let nulled = nulledClause(measured, cells, diagnosis) { clauses.append(nulled) }
        if let trap = trapClause(measured, diagnosis) { clauses.append(trap) }
        if let record = recordClause(measured, cells, diagnosis) { clauses.append(record) }
        clauses += pluginClauses(measured, cells)
        clauses.append(proxyCoreClause(measured, cells))
        if let hint = regressionHint(measured) { clauses.append(hint) }
        return clauses.joined(separator: ". ") + "."
    }

    /// `3.5.9 (trixie)`.
    private static func name(_ runtime: RuntimeSummary) -> String {
        "\(runtime.openSSL?.runtimeVersion ?? "?") (\(runtime.name))"
    }

    /// `a`, `a and b`, `a, b and c`.
    private static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// `LABEL: AFFECTED on OpenSSL …: how; not affected on …`, or `LABEL: not affected on …`:
    /// the runtimes in `affected` against the others where `probed` cells ran. A runtime
    /// whose cells crashed or hung with no mechanism found (the raw symptom of
    /// `--no-accounting` leaves no memory evidence) is never called not affected.
    private static func patternClause(_ label: String, _ runtimes: [RuntimeSummary], probed: [CellResult],
                                      affected names: Set<String>, how: [String]) -> String {
        let affected = runtimes.filter { names.contains($0.name) }
        let broken = probed.filter { $0.outcome == .crashed || $0.outcome == .timeout }
        // Sets of names, not a search of every cell per runtime: a merge has hundreds of runtimes.
        let brokenRuntimes = Set(broken.map(\.runtime)), probedRuntimes = Set(probed.map(\.runtime))
        let unexplained = runtimes.filter { !names.contains($0.name) && brokenRuntimes.contains($0.name) }
        let unexplainedNames = Set(unexplained.map(\.name))
        let clean = runtimes.filter { runtime in
            !names.contains(runtime.name) && !unexplainedNames.contains(runtime.name) && probedRuntimes.contains(runtime.name)
        }
        var parts: [String] = []
        if !affected.isEmpty {
            parts.append("AFFECTED on OpenSSL \(list(affected.map(name)))" + (how.isEmpty ? "" : ": " + how.joined(separator: ", ")))
        }
        if !unexplained.isEmpty {
            let outcomes = unexplained.flatMap { runtime in
                broken.filter { $0.runtime == runtime.name }.map { $0.signal.map { "crashed with \($0)" } ?? $0.outcome.rawValue }
            }.uniqued()
            parts.append("\(outcomes.joined(separator: ", ")) on OpenSSL \(list(unexplained.map(name))), no mechanism found")
        }
        if !clean.isEmpty { parts.append("not affected on \(list(clean.map(name)))") }
        return "\(label): " + parts.joined(separator: "; ")
    }

    /// The legacy fast-open BIO: affected where the diagnosis found the data-pointer
    /// regression or the overwritten pointer; not affected where its cells ran cleanly.
    private static func legacyClause(_ runtimes: [RuntimeSummary], _ cells: [CellResult], _ diagnosis: [Finding]) -> String? {
        let legacy = cells.filter { $0.mode == .legacyFastOpen && $0.outcome != .skipped }
        guard !legacy.isEmpty else { return nil }
        let regression = Set(diagnosis.filter { $0.mechanism == .dataPointerRegression }.map(\.runtime))
        let overwritten = Set(diagnosis.filter { $0.mechanism == .pointerOverwritten }.map(\.runtime))
        var how: [String] = []
        if !regression.isEmpty {
            let errnos = Set(legacy.filter { regression.contains($0.runtime) && $0.firstWrite?.addressLength == 0 }
                .compactMap { $0.firstWrite?.errnoName }).sorted()
            how.append("sendto(MSG_FASTOPEN) got address length 0" + (errnos.isEmpty ? "" : " → \(errnos.joined(separator: "/"))"))
        }
        let memory = legacy.filter { overwritten.contains($0.runtime) }.compactMap(\.memory)
        if memory.contains(where: { $0.foreignFrees > 0 }) { how.append("OpenSSL freed the application's address") }
        if memory.contains(where: { $0.leakedAllocations > 0 }) { how.append("OpenSSL's socket-BIO struct leaked") }
        return patternClause("legacy fast-open BIO", runtimes, probed: legacy, affected: regression.union(overwritten), how: how)
    }

    /// ATS PR 11501's first revision: affected where the diagnosis found the nulled pointer.
    private static func nulledClause(_ runtimes: [RuntimeSummary], _ cells: [CellResult], _ diagnosis: [Finding]) -> String? {
        let nulled = cells.filter { $0.mode == .nulledFastOpen && $0.outcome != .skipped }
        guard !nulled.isEmpty else { return nil }
        let affected = Set(diagnosis.filter { $0.mechanism == .pointerNulled }.map(\.runtime))
        let memory = nulled.filter { affected.contains($0.runtime) }.compactMap(\.memory)
        var how: [String] = []
        if !affected.isEmpty { how.append("OpenSSL's socket-BIO struct leaked on TFO-off connections") }
        if memory.contains(where: { $0.foreignFrees > 0 }) { how.append("OpenSSL freed the application's address") }
        return patternClause("NULL-address fast-open BIO (ATS PR 11501 r1)", runtimes, probed: nulled, affected: affected, how: how)
    }

    /// PostgreSQL ≤ 16.1's record in BIO data: affected where the diagnosis found OpenSSL
    /// writing into or freeing the record.
    private static func recordClause(_ runtimes: [RuntimeSummary], _ cells: [CellResult], _ diagnosis: [Finding]) -> String? {
        let record = cells.filter { $0.mode == .appDataPointer && $0.outcome != .skipped }
        guard !record.isEmpty else { return nil }
        let affected = Set(diagnosis.filter { $0.mechanism == .recordOverwritten }.map(\.runtime))
        let mine = record.filter { affected.contains($0.runtime) }
        let written = mine.contains { $0.applicationRecord?.intact == false }
        let freed = mine.contains { ($0.memory?.foreignFrees ?? 0) > 0 }
        // The socket survives where it lies past OpenSSL's struct, as libpq's does: the symptom comes later.
        let completed = !mine.contains { $0.applicationRecord?.fileDescriptorIntact == false }
            && mine.contains { $0.phase == .handshake && $0.tlsVersion != nil }
        let how = switch (written, freed) {
        case (true, true): ["OpenSSL zeroed the record's first fields\(completed ? " (the handshake completed)" : "") and freed it: the application's own free is a double free"]
        case (true, false): ["OpenSSL zeroed the record's first fields\(completed ? " (the handshake completed)" : "")"]
        case (false, true): ["OpenSSL freed the application's record: its own free is a double free"]
        case (false, false): [String]()
        }
        return patternClause("app record in BIO data (PostgreSQL ≤ 16.1)", runtimes, probed: record, affected: affected, how: how)
    }

    private static func trapClause(_ runtimes: [RuntimeSummary], _ diagnosis: [Finding]) -> String? {
        let trapped = Set(diagnosis.filter { $0.mechanism == .migrationTrap }.map(\.runtime))
        guard !trapped.isEmpty else { return nil }
        return "BIO_set_conn_address on a plain socket BIO never connects on OpenSSL \(list(runtimes.filter { trapped.contains($0.name) }.map(name)))"
    }

    /// One clause per plug-in, from its cells' evidence alone: where it failed and how, or
    /// that it was ok everywhere it ran, or why it could not run at all.
    private static func pluginClauses(_ runtimes: [RuntimeSummary], _ cells: [CellResult]) -> [String] {
        let modes = cells.map(\.mode).filter { $0.pluginName != nil }.uniqued()
        return modes.map { mode in
            let label = mode.rawValue
            let ran = cells.filter { $0.mode == mode && $0.outcome != .skipped }
            let probed = ran.filter { $0.outcome != .unsupported }
            guard !probed.isEmpty else {
                let reasons = ran.compactMap(\.reason).uniqued()
                return reasons.isEmpty ? "\(label): not probed" : "\(label): could not run: \(reasons.joined(separator: "; "))"
            }
            let failing = probed.filter { $0.outcome != .ok }
            let bad = runtimes.filter { runtime in failing.contains { $0.runtime == runtime.name } }
            let good = runtimes.filter { runtime in !bad.contains { $0.name == runtime.name } && probed.contains { $0.runtime == runtime.name } }
            // Runtimes where none of its cells could run (a plug-in built for another ABI).
            let unrun = runtimes.filter { runtime in
                ran.contains { $0.runtime == runtime.name } && !probed.contains { $0.runtime == runtime.name }
            }
            let elsewhere = unrun.isEmpty ? "" : "; could not run on \(list(unrun.map(name)))"
            guard !bad.isEmpty else {
                let ok = good.count == 1 || !unrun.isEmpty ? "ok on \(list(good.map(name)))" : "ok on all \(good.count)"
                return "\(label): \(ok)\(elsewhere)"
            }
            var how: [String] = []
            let einval = failing.filter { $0.firstWrite?.syscall == .sendto && $0.firstWrite?.addressLength == 0 }
            if !einval.isEmpty {
                let errnos = Set(einval.compactMap { $0.firstWrite?.errnoName }).sorted()
                how.append("sendto(MSG_FASTOPEN) got address length 0" + (errnos.isEmpty ? "" : " → \(errnos.joined(separator: "/"))"))
            }
            if failing.contains(where: { ($0.memory?.foreignFrees ?? 0) > 0 }) { how.append("OpenSSL freed memory it never allocated") }
            if failing.contains(where: { ($0.memory?.leakedAllocations ?? 0) > 0 }) { how.append("OpenSSL allocations leaked") }
            let signals = failing.compactMap(\.signal).uniqued()
            if !signals.isEmpty { how.append("the worker crashed (\(signals.joined(separator: ", ")))") }
            var text = "\(label): FAILED on OpenSSL \(list(bad.map(name)))"
            if !how.isEmpty { text += ": " + how.joined(separator: ", ") }
            if !good.isEmpty { text += "; ok on \(list(good.map(name)))" }
            return text + elsewhere
        }
    }

    private static func proxyCoreClause(_ runtimes: [RuntimeSummary], _ cells: [CellResult]) -> String {
        let probed = cells.filter { $0.mode == .proxyCore && $0.outcome != .skipped }
        guard !probed.isEmpty else { return "proxy-core: not probed" }
        let failingNames = Set(probed.filter { $0.outcome != .ok }.map(\.runtime)), probedNames = Set(probed.map(\.runtime))
        let failing = runtimes.filter { failingNames.contains($0.name) }
        guard failing.isEmpty else {
            let count = probed.filter { $0.outcome != .ok }.count
            return "proxy-core: FAILED on OpenSSL \(list(failing.map(name))) (\(count) cell\(count == 1 ? "" : "s") not ok)"
        }
        let ran = runtimes.filter { probedNames.contains($0.name) }
        return ran.count == 1 ? "proxy-core: ok on \(name(ran[0]))" : "proxy-core: ok on all \(ran.count)"
    }

    /// Every runtime's socket BIO left its data pointer alone (measured, not read off a
    /// version): this run cannot show the regression, and the line says how to see it.
    private static func regressionHint(_ runtimes: [RuntimeSummary]) -> String? {
        guard runtimes.allSatisfy({ $0.openSSL?.socketBIOOwnsData == false }) else { return nil }
        let which = runtimes.count == 1 ? "This OpenSSL's socket BIO leaves" : "No runtime's socket BIO uses"
        return "\(which) the BIO data pointer alone (the 3.2 change is absent), so the regression cannot show here; to see it: tlsprobe matrix --runtime system --runtime trixie"
    }
}
