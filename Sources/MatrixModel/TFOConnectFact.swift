import ProxyCore

/// What `setsockopt(TCP_FASTOPEN_CONNECT)` said on a scratch socket, as data:
/// a state a program can test, and the errno when the kernel refused.
package struct TFOConnectFact: Sendable, Codable, Equatable, CustomStringConvertible {
    package enum State: String, Sendable, Codable {
        /// The option was accepted: client TFO through connect() works here.
        case available
        /// The option exists but client TFO is off in this namespace (`tcp_fastopen` lacks bit 1).
        case disabled
        /// The kernel does not know the option (Linux before 4.11).
        case absent
    }

    package var state: State
    /// `EOPNOTSUPP`, `ENOPROTOOPT`: why it was refused; absent when accepted.
    package var errnoName: String?

    package init(state: State, errnoName: String? = nil) {
        self.state = state
        self.errnoName = errnoName
    }

    package init(_ support: KernelTFOSupport) {
        switch support {
        case .available: self.init(state: .available)
        case .disabled(let code): self.init(state: .disabled, errnoName: ErrnoName.of(code))
        case .absent(let code): self.init(state: .absent, errnoName: ErrnoName.of(code))
        }
    }

    package var description: String {
        switch state {
        case .available: "TCP_FASTOPEN_CONNECT available"
        case .disabled: "TCP_FASTOPEN_CONNECT refused (\(errnoName ?? "?")): client TFO is off in this namespace"
        case .absent: "TCP_FASTOPEN_CONNECT unknown to this kernel (\(errnoName ?? "?"))"
        }
    }
}
