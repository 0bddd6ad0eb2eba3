import ProxyCore

/// Everything one cell found, as the JSON output contract names it.
public struct CellResult: Sendable, Codable, Equatable {
    /// Which OpenSSL runtime ran the cell (`system` for the linked one).
    public var runtime: String
    public var mode: BIOMode
    public var tfo: TFOSetting
    public var family: AddressFamily
    public var phase: Phase
    /// `/proc/sys/net/ipv4/tcp_fastopen` in force where the cell ran; `nil` if unreadable.
    public var kernelTFO: Int?
    /// Whether the cell ran in a private network namespace (with `kernelTFO` set there)
    /// rather than the host's, where `kernelTFO` is as found.
    public var privateNamespace: Bool
    public var outcome: Outcome
    /// Why the outcome is not `ok`, in one sentence.
    public var reason: String?
    /// The strategy that really ran (for `proxy-core`, the policy's choice).
    public var strategy: String?
    public var notes: [String]
    public var firstWrite: FirstWrite?
    public var tfoEvidence: TFOEvidence
    public var tlsVersion: String?
    public var cipher: String?
    /// The errno of the failure, if a system call failed.
    public var errno: Int32?
    public var errnoName: String?
    public var openSSLErrors: [String]
    public var verifyError: String?
    /// OpenSSL allocation accounting for the cell; `nil` where it could not be installed.
    public var memory: MemoryEvidence?
    /// The signal the worker died of, for `crashed` cells.
    public var signal: String?
    public var durationMilliseconds: Double

    public var cell: Cell { Cell(mode: mode, tfo: tfo, family: family, phase: phase) }

    /// A result with nothing recorded yet but the cell and its outcome.
    public init(_ cell: Cell, runtime: String, kernelTFO: Int?, outcome: Outcome, reason: String? = nil) {
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
