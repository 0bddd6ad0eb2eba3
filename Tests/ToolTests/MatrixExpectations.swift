import MatrixModel
import ProxyCore

/// What each cell must do on the runtime and kernel this process sees,
/// derived from the mechanism (the README's "Why"), not from a recorded run.
struct MatrixExpectations {
    let runtime: OpenSSLRuntime
    let environment: EnvironmentFacts

    var clientTFO: Bool { (environment.tcpFastopen ?? 0) & 1 != 0 }

    func outcome(of cell: Cell) -> Outcome {
        if cell.family == .ipv6 && !environment.ipv6Loopback { return .skipped }
        switch cell.mode {
        case .proxyCore:
            return .ok
        case .strategy(.fd), .strategy(.fastOpenConnect):
            return .ok
        case .reference(.exDataFastOpen), .strategy(.filterFastOpen):
            // MSG_FASTOPEN needs the client bit of tcp_fastopen.
            return cell.tfo.isOn && !clientTFO ? .failed : .ok
        case .strategy(.nativeTFO):
            return cell.tfo.isOn && !runtime.nativeTFO ? .unsupported : .ok
        case .reproduction(.legacyFastOpen):
            // TFO off: OpenSSL's zeroed struct is taken for the destination, sendto(…, 0) fails.
            // TFO on: MSG_FASTOPEN needs the client bit; from 3.2 OpenSSL's struct leaks as well.
            if cell.tfo.isOn { return clientTFO && !runtime.socketBIOOwnsData ? .ok : .failed }
            return runtime.socketBIOOwnsData ? .failed : .ok
        case .reproduction(.nulledFastOpen):
            // TFO off: from 3.2 the NULL replaces OpenSSL's struct pointer, which leaks.
            // TFO on: the legacy design.
            if cell.tfo.isOn { return clientTFO && !runtime.socketBIOOwnsData ? .ok : .failed }
            return runtime.socketBIOOwnsData ? .failed : .ok
        case .reproduction(.socketConnAddress):
            // 3.2+ accepts the address, then writes an unconnected socket: EPIPE. 3.0 refuses it.
            guard cell.tfo.isOn else { return .ok }
            return runtime.socketBIOOwnsData ? .failed : .unsupported
        case .reproduction(.appDataPointer):
            // From 3.2 the socket BIO's ctrl zeroes the record's first fields (its socket, further
            // in, survives: the handshake completes) and its destroy frees it.
            return runtime.socketBIOOwnsData ? .failed : .ok
        case .plugin:
            // A plug-in's behaviour is its own code's; these in-process tests load none.
            return .unsupported
        }
    }
}
