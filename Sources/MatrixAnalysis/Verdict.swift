import BIOPatterns
import MatrixModel
import ToolCore

/// The run's conclusion as its readers want it: a title short enough for a Markdown
/// heading or a chat line, then one line per design the run probed, in the names
/// people know the designs by (`DesignName`), each saying where it is AFFECTED or ok and
/// the mechanism in a few words. Built from the diagnosis evidence and the cells only,
/// never from a version number.
///
/// ```
/// AFFECTED: 4 of 4 designs on OpenSSL 3.5.9 (trixie); tlsprobe's fix ok on all 2
/// ATS ≤ 9.2.4 fast-open BIO (legacy-fastopen): AFFECTED on OpenSSL 3.5.9 (trixie): sendto address length 0 → EINVAL, …; ok on 3.0.19 (system)
/// ```
package struct Verdict: Sendable, Equatable {
    /// The title's limit with the `tlsprobe: ` a report puts before it: 120 characters.
    package static let titleLimit = 120 - "tlsprobe: ".count

    /// At most `titleLimit` characters, one line.
    package var title: String
    /// One line per design, then the runtimes that could not run and how to see what this run cannot.
    package var lines: [String]

    package init(runtimes: [RuntimeSummary], cells: [CellResult], diagnosis: [Finding]) {
        let measured = runtimes.filter { $0.openSSL != nil }
        let unusable = runtimes.filter { $0.openSSL == nil || $0.error != nil }
        let notRun = unusable.map { "Runtime \(PathShortener.shorten($0.name)) could not run: \($0.error ?? "no worker reported its OpenSSL")" }
        guard !measured.isEmpty, cells.contains(where: { $0.outcome != .skipped }) else {
            title = Self.fit(["nothing probed: no runtime ran a cell"] + Self.couldNotRun(unusable))
            lines = notRun
            return
        }
        let context = Context(runtimes: measured, cells: cells, diagnosis: diagnosis)
        let designs = Reproduction.allCases.compactMap(context.reproduction) + context.plugins()
        // The other fixes get a line of their own only when one fails: that is news.
        let strategies = context.strategies()
        let fixes = [strategies?.isBroken == true ? strategies : nil, context.proxyCore(alsoStrategies: strategies?.isBroken == false)]
            .compactMap { $0 }
        var lines = (designs + fixes).map(\.line) + notRun
        if let hint = Self.regressionHint(measured) { lines.append(hint) }
        self.lines = lines
        title = Self.title(designs: designs, proxyCore: context.proxyCore(), unusable: unusable)
    }

    // MARK: The title

    /// `AFFECTED: 3 of 4 designs on OpenSSL 3.5.9; tlsprobe's fix ok on all 2`, or `not
    /// affected: 4 designs ok on OpenSSL 3.0.19; …`: versions, not runtime names (the lines
    /// name them), so it stays short; shortened further to fit `titleLimit`.
    private static func title(designs: [Standing], proxyCore: Standing?, unusable: [RuntimeSummary]) -> String {
        let broken = designs.filter(\.isBroken)
        let unrunnable = designs.filter(\.neverRan)
        var tail: [String] = []
        if let proxyCore { tail.append(proxyCore.shortStatus) }
        if !unrunnable.isEmpty { tail.append("\(count(unrunnable.count, "plug-in")) could not run") }
        tail += couldNotRun(unusable)
        let probed = designs.filter { !$0.neverRan }
        let versions = { (runtimes: [RuntimeSummary]) in list(runtimes.compactMap { $0.openSSL?.runtimeVersion }.uniqued()) }
        guard !broken.isEmpty else {
            let ok = probed.flatMap(\.ok).uniqued(by: \.name)
            let head = "not affected: \(count(probed.count, "design")) ok"
            return fit([head + " on OpenSSL " + versions(ok)] + tail, shorter: [head + " on " + count(ok.count, "runtime")] + tail)
        }
        let where_ = broken.flatMap { $0.bad + $0.unexplained.map(\.runtime) }.uniqued(by: \.name)
        let head = "AFFECTED: \(broken.count) of \(count(probed.count, "design"))"
        return fit([head + " on OpenSSL " + versions(where_)] + tail, shorter: [head + " on " + count(where_.count, "runtime")] + tail)
    }

    /// `1 runtime could not run`.
    private static func couldNotRun(_ unusable: [RuntimeSummary]) -> [String] {
        unusable.isEmpty ? [] : ["\(count(unusable.count, "runtime")) could not run"]
    }

    /// The parts joined with `; `, the first form that fits `titleLimit`; cut with `…` if none does.
    private static func fit(_ parts: [String], shorter: [String]? = nil) -> String {
        let text = parts.joined(separator: "; ")
        if text.count <= titleLimit { return text }
        if let shorter { return fit(shorter) }
        return String(text.prefix(titleLimit - 1)) + "…"
    }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// Every runtime's socket BIO left its data pointer alone (measured, not read off a
    /// version): this run cannot show the regression, and the line says how to see it.
    private static func regressionHint(_ runtimes: [RuntimeSummary]) -> String? {
        guard runtimes.allSatisfy({ $0.openSSL?.socketBIOOwnsData == false }) else { return nil }
        let which = runtimes.count == 1 ? "This OpenSSL's socket BIO leaves" : "No runtime's socket BIO uses"
        return "\(which) the BIO data pointer alone (the 3.2 change is absent), so the regression cannot show here; to see it: tlsprobe matrix --runtime system --runtime trixie"
    }
}

// MARK: One design's standing

extension Verdict {
    /// Where one design (or the group of fix strategies) was bad, ok, or could not run.
    struct Standing {
        var label: String
        /// `AFFECTED` for a design under test, `FAILED` for a fix.
        var badWord = "AFFECTED"
        var bad: [RuntimeSummary] = []
        /// A few words each: the mechanism as the evidence shows it.
        var how: [String] = []
        /// Crashed or hung with no mechanism found: never called ok.
        var unexplained: [(runtime: RuntimeSummary, outcome: String)] = []
        var ok: [RuntimeSummary] = []
        /// Runtimes where none of its cells could run (a plug-in built for another ABI), and why.
        var unrun: [RuntimeSummary] = []
        var unrunReasons: [String] = []
        /// How many runtimes the report has, for `ok on all N`.
        var runtimeCount = 0

        var isBroken: Bool { !bad.isEmpty || !unexplained.isEmpty }
        var neverRan: Bool { bad.isEmpty && unexplained.isEmpty && ok.isEmpty }

        /// `3.5.9 (trixie)`, `3.5.9 (<cache>/runtimes/trixie)`: a folder shortened as reports publish it.
        static func name(_ runtime: RuntimeSummary) -> String {
            "\(runtime.openSSL?.runtimeVersion ?? "?") (\(PathShortener.shorten(runtime.name)))"
        }

        /// `LABEL: AFFECTED on OpenSSL 3.5.9 (trixie): how; ok on 3.0.19 (system)`.
        var line: String {
            if neverRan {
                return "\(label): could not run" + (unrunReasons.isEmpty ? "" : ": " + unrunReasons.joined(separator: "; "))
            }
            var parts: [String] = []
            if !bad.isEmpty {
                parts.append("\(badWord) on OpenSSL \(list(bad.map(Self.name)))" + (how.isEmpty ? "" : ": " + how.joined(separator: ", ")))
            }
            if !unexplained.isEmpty {
                let outcomes = unexplained.map(\.outcome).uniqued()
                let names = unexplained.map(\.runtime).uniqued(by: \.name).map(Self.name)
                parts.append("\(outcomes.joined(separator: ", ")) on OpenSSL \(list(names)), no mechanism found")
            }
            if !ok.isEmpty {
                let all = ok.count == runtimeCount && ok.count > 2 && parts.isEmpty
                parts.append(all ? "ok on all \(ok.count) runtimes" : "ok on \(parts.isEmpty ? "OpenSSL " : "")\(list(ok.map(Self.name)))")
            }
            if !unrun.isEmpty { parts.append("could not run on \(list(unrun.map(Self.name)))") }
            return "\(label): " + parts.joined(separator: "; ")
        }

        /// `tlsprobe's fix ok on both`, `… ok on all 5`, `tlsprobe's fix FAILED on 3.5.9`: for the title.
        var shortStatus: String {
            isBroken ? "\(DesignName.of(.proxyCore)) FAILED on \(list((bad + unexplained.map(\.runtime)).compactMap { $0.openSSL?.runtimeVersion }.uniqued()))"
                : "\(DesignName.of(.proxyCore)) ok on \(ok.count == 1 ? ok[0].openSSL?.runtimeVersion ?? ok[0].name : ok.count == 2 ? "both" : "all \(ok.count)")"
        }
    }

    /// The run's cells and findings, looked up once per design.
    struct Context {
        var runtimes: [RuntimeSummary]
        var cells: [CellResult]
        var diagnosis: [Finding]

        /// A design's standing from its probed cells: `bad` where `affected` names the runtime,
        /// crashed or hung cells elsewhere unexplained, ok where the rest ran.
        func standing(_ label: String, probed: [CellResult], affected: Set<String>, how: [String], badWord: String = "AFFECTED") -> Standing {
            // Sets of names, not a search of every cell per runtime: a merge has hundreds of runtimes.
            let ran = Set(probed.map(\.runtime))
            let broken = probed.filter { ($0.outcome == .crashed || $0.outcome == .timeout) && !affected.contains($0.runtime) }
            let unexplained = runtimes.flatMap { runtime in
                broken.filter { $0.runtime == runtime.name }.map { (runtime, $0.signal.map { "crashed with \($0)" } ?? $0.outcome.rawValue) }
            }
            let unexplainedNames = Set(unexplained.map(\.0.name))
            return Standing(label: label, badWord: badWord, bad: runtimes.filter { affected.contains($0.name) }, how: how,
                            unexplained: unexplained,
                            ok: runtimes.filter { ran.contains($0.name) && !affected.contains($0.name) && !unexplainedNames.contains($0.name) },
                            runtimeCount: runtimes.count)
        }

        func cells(_ mode: BIOMode) -> [CellResult] {
            cells.filter { $0.mode == mode && $0.outcome != .skipped && $0.outcome != .unsupported }
        }

        func findings(_ reproduction: Reproduction) -> [Finding] {
            diagnosis.filter { $0.mechanism.reproduction == reproduction }
        }

        /// A reproduced design: affected where the diagnosis found one of its mechanisms.
        func reproduction(_ reproduction: Reproduction) -> Standing? {
            let mode = BIOMode.reproduction(reproduction)
            let probed = cells(mode)
            guard !probed.isEmpty else { return nil }
            let findings = findings(reproduction)
            let affected = Set(findings.map(\.runtime))
            let mine = probed.filter { affected.contains($0.runtime) }
            return standing(DesignName.labelled(mode), probed: probed, affected: affected,
                            how: findings.map(\.mechanism).uniqued().flatMap { Self.how($0, mine) }.uniqued())
        }

        /// The mechanism in a few words, from the cells that show it.
        static func how(_ mechanism: Finding.Mechanism, _ cells: [CellResult]) -> [String] {
            let foreign = cells.contains { ($0.memory?.foreignFrees ?? 0) > 0 }
            switch mechanism {
            case .dataPointerRegression:
                return [addressLengthZero(cells) ?? "sendto address length 0"]
            case .pointerOverwritten:
                return [foreign ? "OpenSSL frees the application's address" : "OpenSSL's struct leaks"]
            case .pointerNulled:
                return ["OpenSSL's struct leaks on every TFO-off connection"]
            case .migrationTrap:
                let errnos = cells.compactMap { $0.firstWrite?.errnoName }.uniqued().sorted()
                return ["never connects: first write → \(errnos.isEmpty ? "an error" : errnos.joined(separator: "/"))"]
            case .recordOverwritten:
                let records = cells.compactMap(\.applicationRecord).filter { !$0.intact }
                let bytes = records.compactMap { $0.overwrittenBytes.map { $0.offset + $0.length } }.max()
                var words: [String] = []
                if let bytes { words.append("OpenSSL zeroes the record's first \(bytes) bytes") }
                else if !records.isEmpty { words.append("OpenSSL writes into the record") }
                if records.contains(where: { !$0.fileDescriptorIntact }) { words.append("the socket with them") }
                if foreign { words.append("then frees it: the program's own free is a double free") }
                return [words.joined(separator: ", ")].filter { !$0.isEmpty }
            }
        }

        /// `sendto address length 0 → EINVAL`, where a cell's first write shows it.
        static func addressLengthZero(_ cells: [CellResult]) -> String? {
            let zero = cells.filter { $0.firstWrite?.syscall == .sendto && $0.firstWrite?.addressLength == 0 }
            guard !zero.isEmpty else { return nil }
            let errnos = zero.compactMap { $0.firstWrite?.errnoName }.uniqued().sorted()
            return "sendto address length 0" + (errnos.isEmpty ? "" : " → " + errnos.joined(separator: "/"))
        }

        /// One line per plug-in, from its cells' evidence alone: where it failed and how, where it
        /// was ok, and where (and why) it could not run.
        func plugins() -> [Standing] {
            let modes = cells.map(\.mode).filter { $0.pluginName != nil }.uniqued()
            return modes.map { mode in
                let ran = cells.filter { $0.mode == mode && $0.outcome != .skipped }
                let probed = ran.filter { $0.outcome != .unsupported }
                let failing = probed.filter { $0.outcome.isFailure }
                var how: [String] = []
                if let zero = Self.addressLengthZero(failing) { how.append(zero) }
                if failing.contains(where: { ($0.memory?.foreignFrees ?? 0) > 0 }) { how.append("OpenSSL frees memory it never allocated") }
                if failing.contains(where: { ($0.memory?.leakedAllocations ?? 0) > 0 }) { how.append("OpenSSL allocations leak") }
                let signals = failing.compactMap(\.signal).uniqued()
                if !signals.isEmpty { how.append("the worker crashed (\(signals.joined(separator: ", ")))") }
                if how.isEmpty, let reason = failing.compactMap(\.reason).first { how.append(reason) }
                // Crashes count against the plug-in here: it is the design under test, and its cells say how.
                var standing = standing(DesignName.labelled(mode), probed: probed, affected: Set(failing.map(\.runtime)), how: how)
                let probedNames = Set(probed.map(\.runtime)), ranNames = Set(ran.map(\.runtime))
                standing.unrun = runtimes.filter { ranNames.contains($0.name) && !probedNames.contains($0.name) }
                standing.unrunReasons = ran.filter { $0.outcome == .unsupported }.compactMap(\.reason).uniqued()
                return standing
            }
        }

        /// The known fixes other than the policy, as one line: a fix that fails is news.
        func strategies() -> Standing? {
            let modes = BIOMode.allCases.filter(\.isOtherFix)
            let probed = modes.flatMap(cells)
            guard !probed.isEmpty else { return nil }
            let failing = probed.filter { $0.outcome.isFailure }
            let names = modes.map(\.rawValue)
            let how = failing.map(\.mode).uniqued().map { mode in
                let failed = failing.filter { $0.mode == mode }.count
                return "\(mode.rawValue) (\(failed) cell\(failed == 1 ? "" : "s"))"
            }
            return standing("The other fixes (\(names.joined(separator: ", ")))", probed: probed,
                            affected: Set(failing.map(\.runtime)), how: how, badWord: "FAILED")
        }

        /// `alsoStrategies`: the other fixes were probed and all were ok, which the line says too.
        func proxyCore(alsoStrategies: Bool = false) -> Standing? {
            let probed = cells(.proxyCore)
            guard !probed.isEmpty else { return nil }
            let failing = probed.filter { $0.outcome.isFailure }
            let how = failing.isEmpty ? [] : ["\(failing.count) cell\(failing.count == 1 ? "" : "s") not ok"]
            let label = DesignName.labelled(.proxyCore) + (alsoStrategies ? " and the other fixes it chooses from" : "")
            return standing(label, probed: probed, affected: Set(failing.map(\.runtime)), how: how, badWord: "FAILED")
        }
    }
}

extension Finding.Mechanism {
    /// The reproduced design whose evidence the mechanism is. Exhaustive: a new mechanism
    /// reaches the verdict only once it says which design it belongs to.
    package var reproduction: Reproduction? {
        switch self {
        case .dataPointerRegression, .pointerOverwritten: .legacyFastOpen
        case .pointerNulled: .nulledFastOpen
        case .migrationTrap: .socketConnAddress
        case .recordOverwritten: .appDataPointer
        }
    }
}
