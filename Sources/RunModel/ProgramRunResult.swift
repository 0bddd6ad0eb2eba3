/// The program on one runtime (and one kernel `tcp_fastopen`, with `--kernel-tfo`):
/// the evidence and the verdict drawn from it.
package struct ProgramRunResult: Sendable, Codable, Equatable {
    /// The runtime's name as given: `system`, `trixie`, a folder.
    package var runtime: String
    /// The runtime's folder; `nil` for `system`.
    package var folder: String?
    /// The runtime's libssl ABI (`libssl.so.3`).
    package var abi: String?
    /// The libssl the program should load on this runtime (resolved path).
    package var expectedLibssl: String?
    /// The `tcp_fastopen` the program ran with: the host's, or the private namespace's.
    package var kernelTFO: Int?
    /// Whether it ran in a network namespace of tlsprobe's own (`--kernel-tfo`).
    package var privateNamespace: Bool
    package var outcome: RunOutcome
    /// The verdict line: `AFFECTED on OpenSSL 3.5.9: sendto(MSG_FASTOPEN) address length 0 → EINVAL; request → 502`.
    package var verdict: String
    /// The command tlsprobe started (the runtime's loader, the program, its arguments after substitution).
    package var command: [String]
    /// Each process that loaded the observer, with the OpenSSL it really loaded.
    package var processes: [ObservedProcess]
    /// Each TCP socket's first TLS write.
    package var writes: [ObservedWrite]
    /// What the observer could not record (records lost, a descriptor closed by the program).
    package var observerNotes: [String]
    package var exit: ProgramExit?
    package var request: RequestResult?
    package var seconds: Double

    package init(runtime: String, folder: String? = nil, abi: String? = nil, expectedLibssl: String? = nil, kernelTFO: Int? = nil,
                 privateNamespace: Bool = false, outcome: RunOutcome, verdict: String, command: [String] = [],
                 processes: [ObservedProcess] = [], writes: [ObservedWrite] = [], observerNotes: [String] = [],
                 exit: ProgramExit? = nil, request: RequestResult? = nil, seconds: Double = 0) {
        self.runtime = runtime
        self.folder = folder
        self.abi = abi
        self.expectedLibssl = expectedLibssl
        self.kernelTFO = kernelTFO
        self.privateNamespace = privateNamespace
        self.outcome = outcome
        self.verdict = verdict
        self.command = command
        self.processes = processes
        self.writes = writes
        self.observerNotes = observerNotes
        self.exit = exit
        self.request = request
        self.seconds = seconds
    }

    /// The OpenSSL version the program's processes reported, the first one.
    package var openSSLVersion: String? { processes.lazy.compactMap(\.openSSLVersion).first }

    /// `trixie`, `trixie, tcp_fastopen=0x5` with a namespace of its own.
    package var name: String {
        guard privateNamespace, let kernelTFO else { return runtime }
        return "\(runtime), tcp_fastopen=\(kernelTFO)"
    }
}
