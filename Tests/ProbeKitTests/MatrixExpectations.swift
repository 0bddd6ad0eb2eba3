import ProbeKit
import ProxyCore

/// What each cell must do on the runtime and kernel this process sees,
/// derived from the mechanism (design §1), not from a recorded run.
struct MatrixExpectations {
    let runtime: OpenSSLRuntime
    let environment: EnvironmentFacts

    var clientTFO: Bool { (environment.tcpFastopen ?? 0) & 1 != 0 }

    func outcome(of cell: Cell) -> Outcome {
        if cell.family == .ipv6 && !environment.ipv6Loopback { return .skipped }
        switch (cell.mode, cell.tfo) {
        case (.fd, _), (.fastOpenConnect, _), (.proxyCore, _):
            return .ok
        case (.legacyFastOpen, .off):
            // OpenSSL's zeroed struct is taken for the destination: sendto(…, 0) fails.
            return runtime.socketBIOOwnsData ? .failed : .ok
        case (.legacyFastOpen, .on), (.exDataFastOpen, .on):
            // MSG_FASTOPEN needs the client bit of tcp_fastopen.
            return clientTFO ? .ok : .failed
        case (.exDataFastOpen, .off), (.nativeTFO, .off), (.socketConnAddress, .off):
            return .ok
        case (.nativeTFO, .on):
            return runtime.nativeTFO ? .ok : .unsupported
        case (.socketConnAddress, .on):
            // 3.2+ accepts the address, then writes an unconnected socket: EPIPE.
            return runtime.socketBIOOwnsData ? .failed : .unsupported
        }
    }
}
