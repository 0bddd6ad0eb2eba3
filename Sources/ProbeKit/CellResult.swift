import ProxyCore

/// Everything one cell found, as the JSON output contract names it.
public struct CellResult: Sendable, Codable, Equatable {
    /// Which OpenSSL runtime ran the cell (`system` for the linked one).
    public var runtime: String
    public var mode: BIOMode
    public var tfo: TFOSetting
    public var family: AddressFamily
    /// `/proc/sys/net/ipv4/tcp_fastopen` in force where the cell ran; `nil` if unreadable.
    public var kernelTFO: Int?
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
    public var durationMilliseconds: Double

    public var cell: Cell { Cell(mode: mode, tfo: tfo, family: family) }
}
