import ProxyCore
import SystemPackage

/// Everything one cell found, as the JSON output contract names it.
package struct CellResult: Sendable, Equatable {
    /// Which OpenSSL runtime ran the cell (`system` for the linked one).
    package var runtime: String
    package var mode: BIOMode
    package var tfo: TFOSetting
    package var family: AddressFamily
    package var phase: Phase
    /// `/proc/sys/net/ipv4/tcp_fastopen` in force where the cell ran; `nil` if unreadable.
    package var kernelTFO: Int?
    /// Whether the cell ran in a private network namespace (with `kernelTFO` set there)
    /// rather than the host's, where `kernelTFO` is as found.
    package var privateNamespace: Bool
    package var outcome: Outcome
    /// Why the outcome is not `ok`, in one sentence.
    package var reason: String?
    /// The design that really opened the connection, by its mode: the mode itself, or for
    /// `proxy-core` the strategy its policy chose. In the JSON, the mode's name.
    package var strategy: BIOMode?
    package var notes: [String]
    /// The connection's first write: as the libc-boundary observer saw it where it
    /// could watch, else as the BIO recorded it (`FirstWrite.observedBy` says which).
    package var firstWrite: FirstWrite?
    /// The BIO's own record of the same write, when the libc boundary saw it too.
    package var bioFirstWrite: FirstWrite?
    /// The two records of the first write disagree: an error of the observation,
    /// reported, never settled by picking one.
    package var observerConflict: String?
    package var tfoEvidence: TFOEvidence
    package var tlsVersion: String?
    package var cipher: String?
    /// The errno of the failure, if a system call failed: in the JSON, its number
    /// (`errno`) and its name (`errnoName`) side by side.
    package var errno: Errno?
    package var openSSLErrors: [String]
    package var verifyError: String?
    /// OpenSSL allocation accounting for the cell; `nil` where it could not be installed.
    package var memory: MemoryEvidence?
    /// Whether OpenSSL wrote into the application's connection record; only for modes
    /// that hand OpenSSL such a record (`appdata-pointer`).
    package var applicationRecord: ApplicationRecordEvidence?
    /// For a `plugin:NAME` cell: the build that ran and the plug-in's own check of its state.
    package var plugin: PluginCellEvidence?
    /// The signal the worker died of, for `crashed` cells.
    package var signal: String?
    package var durationMilliseconds: Double

    package var cell: Cell { Cell(mode: mode, tfo: tfo, family: family, phase: phase) }

    /// `EINVAL`: the errno as bug reports quote it (`ErrnoName`).
    package var errnoName: String? { errno.map { ErrnoName.of($0.rawValue) } }

    /// The cell's name within its runtime: `Cell.name`, plus `/kernel-tfo-N` for a cell
    /// run in a private network namespace with `tcp_fastopen` N (`--kernel-tfo`), where
    /// the same cell runs once per value and needs a name of its own.
    package var name: String {
        guard privateNamespace else { return cell.name }
        return "\(cell.name)/kernel-tfo-\(kernelTFO.map(String.init) ?? "unknown")"
    }

    /// A result with nothing recorded yet but the cell and its outcome.
    package init(_ cell: Cell, runtime: String, kernelTFO: Int?, outcome: Outcome, reason: String? = nil) {
        self.runtime = runtime
        self.mode = cell.mode
        self.tfo = cell.tfo
        self.family = cell.family
        self.phase = cell.phase
        self.kernelTFO = kernelTFO
        self.privateNamespace = false
        self.outcome = outcome
        self.reason = reason
        self.notes = []
        self.tfoEvidence = .none
        self.openSSLErrors = []
        self.durationMilliseconds = 0
    }
}

extension CellResult {
    /// `setupEvidence`: what the recipe measured while setting up (`ConnectInstrumentation`).
    package mutating func record(_ diagnostics: ConnectDiagnostics, setupEvidence: [any Sendable] = []) {
        // Every recipe is named after its mode (a strategy's, a reproduction's, a plug-in's).
        guard let mode = BIOMode(rawValue: diagnostics.strategy) else {
            preconditionFailure("a recipe named \(diagnostics.strategy), which is no mode")
        }
        strategy = mode
        notes += diagnostics.notes.filter { !notes.contains($0) }
        if firstWrite == nil { firstWrite = diagnostics.firstWrite }
        if applicationRecord == nil { applicationRecord = ApplicationRecordEvidence(setupEvidence) }
    }

    /// Adds what the libc boundary saw (`nil`: no write reached it) to the BIO's record.
    /// A disagreement makes an `ok` cell `failed`: its evidence cannot be trusted.
    package mutating func observe(libc: FirstWrite?) {
        let bio = firstWrite
        if let libc {
            bioFirstWrite = bio
            firstWrite = libc
        }
        guard let bio else { return }
        let disagreement: String? = if let libc {
            libc.sameCall(as: bio) ? nil
                : "the libc boundary saw \(libc.summary), the BIO recorded \(bio.summary)"
        } else {
            "the BIO recorded \(bio.summary), the libc boundary saw no write on the socket"
        }
        guard let disagreement else { return }
        observerConflict = disagreement
        if outcome == .ok {
            outcome = .failed
            reason = "the observers of the first write disagree: \(disagreement)"
        }
    }

    package mutating func record(_ error: OriginConnectError, setupEvidence: [any Sendable] = []) {
        record(error.diagnostics, setupEvidence: setupEvidence)
        outcome = switch error.kind {
        case .unsupported: .unsupported
        case .timedOut: .timeout
        case .failed: .failed
        }
        reason = error.message
        errno = error.errno.map(Errno.init(rawValue:))
        openSSLErrors = error.openSSLErrors
        verifyError = error.verifyError
    }

    /// Records the plug-in's answer to `tlsprobe_plugin_check`: a non-zero one fails the cell
    /// (with or without accounting), quoting the plug-in's message; it never hides a worse outcome.
    package mutating func record(_ check: PluginCellEvidence.Check) {
        plugin?.check = check
        guard !check.passed, outcome == .ok || outcome == .failed else { return }
        reason = outcome == .ok ? check.summary : [reason, check.summary].compactMap { $0 }.joined(separator: "; ")
        outcome = .failed
    }

    /// Folds the cell's allocation accounting into its outcome: a connection
    /// that leaks or makes OpenSSL free foreign memory is not `ok`, nor is one
    /// whose application record OpenSSL wrote into (its handshake may complete).
    package mutating func record(_ memory: MemoryEvidence) {
        self.memory = memory
        let written = applicationRecord?.overwriteSummary
        guard !memory.isClean || written != nil, outcome == .ok || outcome == .failed else { return }
        var problems = written.map { [$0] } ?? []
        if memory.foreignFrees > 0 {
            // With a record in BIO data, the record is what OpenSSL freed.
            problems.append("OpenSSL freed \(memory.foreignFrees) pointer(s) it never allocated"
                + (applicationRecord == nil ? "" : " (\(memory.foreignFrees == 1 ? "the record" : "a record per connection")): \(ApplicationRecordEvidence.doubleFree)"))
        }
        if memory.leakedAllocations > 0 {
            problems.append("\(memory.leakedAllocations) OpenSSL allocation(s) (\(memory.leakedBytes) bytes) leaked")
        }
        let text = problems.joined(separator: "; ")
        reason = outcome == .ok ? text : [reason, text].compactMap { $0 }.joined(separator: "; ")
        outcome = .failed
    }
}
