import AuditClassification
import BinaryAudit
import MatrixModel
import RunModel

/// The conditions a CI job states about a matrix run; `evaluate` judges a report
/// against them and the CLI turns the verdicts into an exit status.
///
/// A gate never passes for want of evidence: a required mode without an `ok`
/// cell, or a runtime whose legacy cells did not run, fails its condition.
package struct Gate: Sendable {
    /// Every cell of these modes must be `ok`. `unsupported` fails too (a required
    /// mode must work here); `skipped` fails when `strict`, and a mode whose cells
    /// were all skipped fails unless `allowSkipped`.
    package var requiredModes: [BIOMode]
    package var strict: Bool
    /// The lenient reading: a required mode whose every cell was skipped passes.
    package var allowSkipped: Bool
    /// Every runtime's OpenSSL version (`3.0.19`) must be in this range.
    package var openSSLRange: VersionRange?
    /// Fail when `legacy-fastopen` reproduces the 3.2 regression on any runtime.
    package var failIfAffected: Bool
    /// `--audit`: fail when an audited file is of this class or worse, or could not be read.
    package var auditFailOn: AuditFailureThreshold?
    /// `--run-report FILE`: one condition per file, failing when a runtime's outcome is a
    /// failure (`RunOutcome.isFailure`) or when nothing ran (unless `allowSkipped`).
    package var runReports: [String]

    package init(requiredModes: [BIOMode] = [.proxyCore], strict: Bool = false, allowSkipped: Bool = false,
                openSSLRange: VersionRange? = nil, failIfAffected: Bool = false, auditFailOn: AuditFailureThreshold? = nil,
                runReports: [String] = []) {
        self.requiredModes = requiredModes
        self.strict = strict
        self.allowSkipped = allowSkipped
        self.openSSLRange = openSSLRange
        self.failIfAffected = failIfAffected
        self.auditFailOn = auditFailOn
        self.runReports = runReports
    }

    /// A run report as the CLI read it: the file it came from and the report.
    package struct RunInput: Sendable {
        package var source: String
        package var report: RunReport

        package init(source: String, report: RunReport) {
            self.source = source
            self.report = report
        }
    }

    /// The modes whose cells the conditions are judged on; a gate's plan must probe them.
    package var modesNeeded: [BIOMode] {
        requiredModes + (failIfAffected ? [.legacyFastOpen] : [])
    }

    /// One verdict per condition, in the order the options name them; `audit` is
    /// the `--audit` run, judged when `auditFailOn` is set; `runs` the reports of
    /// `runReports`, one condition per file named there.
    package func evaluate(_ report: Report, audit: AuditReport? = nil, runs: [RunInput] = []) -> [GateVerdict] {
        var verdicts = requiredModes.map { require($0, in: report) }
        if let openSSLRange { verdicts.append(range(openSSLRange, in: report)) }
        if failIfAffected { verdicts.append(affected(report)) }
        if let auditFailOn { verdicts.append(Self.audit(audit, failOn: auditFailOn)) }
        for source in runReports {
            verdicts.append(Self.run(runs.first { $0.source == source }?.report, source: source, allowSkipped: allowSkipped))
        }
        return verdicts
    }

    /// A `tlsprobe run` report: every runtime that ran the program was `ok`, and one did.
    /// The detail names the program and each failing runtime's verdict line, as `run` printed it.
    static func run(_ run: RunReport?, source: String, allowSkipped: Bool) -> GateVerdict {
        let condition = "run \(source)"
        guard let run else { return GateVerdict(condition: condition, passed: false, detail: "the report was not read") }
        let program = run.program.path
        let failing = run.results.filter { $0.outcome.isFailure }
        guard failing.isEmpty else {
            let list = failing.map { "\($0.name): \($0.verdict)" }
            return GateVerdict(condition: condition, passed: false,
                               detail: "\(program) failed on \(failing.count) of \(run.results.count) runtime\(run.results.count == 1 ? "" : "s"): \(abbreviate(list, limit: 3))")
        }
        let notRun = run.results.filter { $0.outcome == .unsupported || $0.outcome == .skipped }
        let notRunText = abbreviate(notRun.map { "\($0.name): \($0.verdict)" }, limit: 3)
        guard !run.nothingRan else {
            let reasons = run.results.isEmpty ? "no runtime" : notRunText
            return allowSkipped
                ? GateVerdict(condition: condition, passed: true, detail: "\(program) ran on no runtime (\(reasons)), which --allow-skipped accepts")
                : GateVerdict(condition: condition, passed: false, detail: "\(program) ran on no runtime (\(reasons)); --allow-skipped accepts that")
        }
        let ok = run.results.filter { $0.outcome == .ok }
        var detail = "\(program) ok on \(ok.map(\.name).joined(separator: ", "))"
        if !notRun.isEmpty { detail += "; not run on \(notRunText)" }
        return GateVerdict(condition: condition, passed: true, detail: detail)
    }

    /// `verdicts` as the report carries them, with the exit status the CLI decided they make.
    package func outcome(_ verdicts: [GateVerdict], exitCode: Int) -> GateOutcome {
        GateOutcome(verdicts: verdicts, requiredModes: requiredModes, exitCode: exitCode)
    }

    /// The project's own binaries: no file of the `--fail-on` class or worse, and
    /// every file read (an unread file leaves the question open, so it fails too).
    static func audit(_ audit: AuditReport?, failOn: AuditFailureThreshold) -> GateVerdict {
        let condition = "audit"
        guard let audit else { return GateVerdict(condition: condition, passed: false, detail: "no audit ran") }
        let failing = audit.files.filter { failOn.fails($0.class) }
        guard failing.isEmpty else {
            let list = failing.map { "\($0.path) (\($0.class.rawValue))" }
            return GateVerdict(condition: condition, passed: false,
                               detail: "\(failing.count) of \(audit.files.count) ELF files fail --fail-on \(failOn.rawValue): \(abbreviate(list))")
        }
        let errors = audit.files(.error)
        guard errors.isEmpty else {
            let list = errors.map { "\($0.path): \($0.error ?? "unreadable")" }
            return GateVerdict(condition: condition, passed: false,
                               detail: "cannot tell: \(errors.count) of \(audit.files.count) files could not be read: \(abbreviate(list, limit: 2))")
        }
        guard !audit.files.isEmpty else {
            return GateVerdict(condition: condition, passed: false, detail: "no ELF file found in \(audit.inputs.joined(separator: ", "))")
        }
        let counts = AuditClass.allCases.compactMap { auditClass in
            audit.summary[auditClass].flatMap { $0 > 0 ? "\($0) \(auditClass.rawValue)" : nil }
        }
        return GateVerdict(condition: condition, passed: true,
                           detail: "no file is \(failOn.classes.map(\.rawValue).joined(separator: " or ")) among \(audit.files.count) ELF files (\(counts.joined(separator: ", ")))")
    }

    private func require(_ mode: BIOMode, in report: Report) -> GateVerdict {
        let condition = "require \(mode.rawValue)"
        let cells = report.cells.filter { $0.mode == mode }
        guard !cells.isEmpty else {
            return GateVerdict(condition: condition, passed: false, detail: "no \(mode.rawValue) cell was probed")
        }
        let bad = cells.filter { $0.outcome != .ok && (strict || $0.outcome != .skipped) }
        guard bad.isEmpty else {
            let list = bad.map { "\(Gate.label($0, in: report)) \($0.outcome.rawValue)" }
            return GateVerdict(condition: condition, passed: false,
                               detail: "\(bad.count) of \(cells.count) cells not ok: \(Gate.abbreviate(list))")
        }
        let ok = cells.filter { $0.outcome == .ok }.count
        if ok == 0 && !allowSkipped {
            let reasons = Set(cells.compactMap(\.reason)).sorted()
            return GateVerdict(condition: condition, passed: false,
                               detail: "no \(mode.rawValue) cell was ok: all \(cells.count) skipped (\(Gate.abbreviate(reasons, limit: 2))); --allow-skipped accepts that")
        }
        let runtimes = Set(cells.map(\.runtime)).count
        var detail = "\(ok) of \(cells.count) cells ok on \(runtimes) runtime\(runtimes == 1 ? "" : "s")"
        let skipped = cells.count - ok
        if skipped > 0 { detail += "; \(skipped) skipped, which count only with --strict" }
        return GateVerdict(condition: condition, passed: true, detail: detail)
    }

    private func range(_ range: VersionRange, in report: Report) -> GateVerdict {
        let condition = "openssl-range '\(range)'"
        let measured = report.runtimes.compactMap { runtime in
            runtime.openSSL.map { (name: runtime.name, version: $0.runtimeVersion) }
        }
        guard !measured.isEmpty else {
            return GateVerdict(condition: condition, passed: false, detail: "no runtime's OpenSSL version was measured")
        }
        let outside = measured.filter { !range.contains($0.version) }
        guard outside.isEmpty else {
            return GateVerdict(condition: condition, passed: false,
                               detail: outside.map { "\($0.name) has OpenSSL \($0.version)" }.joined(separator: ", ") + ", outside the range")
        }
        return GateVerdict(condition: condition, passed: true,
                           detail: measured.map { "\($0.name) has OpenSSL \($0.version)" }.joined(separator: ", ") + ", within the range")
    }

    /// The evidence is the diagnosis's own: a runtime whose socket BIO owns its
    /// data pointer and a legacy TFO-off cell whose first write passed address length 0.
    private func affected(_ report: Report) -> GateVerdict {
        let condition = "fail-if-affected"
        var affected: [String] = []
        var clean: [String] = []
        var unchecked: [String] = []
        for runtime in report.runtimes {
            guard let openSSL = runtime.openSSL else { continue }
            let cells = report.cells.filter { $0.runtime == runtime.name }
            let version = "OpenSSL \(openSSL.runtimeVersion)"
            if let finding = Diagnosis.dataPointerRegression(runtime, version, cells) {
                affected.append("\(runtime.name) (\(version)): \(finding.evidence.joined(separator: ", ")) passed address length 0 to sendto")
            } else if cells.contains(where: {
                $0.mode == .legacyFastOpen && $0.tfo == .off && $0.phase == .handshake && $0.outcome != .skipped
            }) {
                clean.append("\(runtime.name) (\(version))")
            } else {
                unchecked.append(runtime.name)
            }
        }
        if !affected.isEmpty {
            return GateVerdict(condition: condition, passed: false,
                               detail: "legacy-fastopen reproduces the regression on " + affected.joined(separator: "; "))
        }
        if !unchecked.isEmpty {
            return GateVerdict(condition: condition, passed: false,
                               detail: "cannot tell on \(unchecked.joined(separator: ", ")): no legacy-fastopen TFO-off handshake cell ran there")
        }
        guard !clean.isEmpty else {
            return GateVerdict(condition: condition, passed: false, detail: "no runtime was measured")
        }
        return GateVerdict(condition: condition, passed: true,
                           detail: "legacy-fastopen does not reproduce the regression on \(clean.joined(separator: ", "))")
    }

    /// `legacy-fastopen/tfo-off/ipv4`, or `[trixie] legacy-fastopen/tfo-off/ipv4` with several runtimes.
    static func label(_ cell: CellResult, in report: Report) -> String {
        report.runtimes.count > 1 ? "[\(cell.runtime)] \(cell.name)" : cell.name
    }

    /// The first few items and how many more: a condition stays one readable line.
    static func abbreviate(_ items: [String], limit: Int = 4) -> String {
        guard items.count > limit else { return items.joined(separator: ", ") }
        return items.prefix(limit).joined(separator: ", ") + " and \(items.count - limit) more"
    }
}
