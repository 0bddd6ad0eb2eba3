import ProxyCore

/// Runs one cell: connect with the cell's mode, verify the server, send a
/// line, read it back, and record what happened on the way.
struct CellProbe {
    let connector: OriginConnector
    let runtime: String
    let kernelTFO: Int?
    let timeout: Double

    func run(_ cell: Cell, against server: LoopbackTLSServer) -> CellResult {
        let started = Deadline.now
        var result = exchange(cell, against: server, deadline: Deadline.after(seconds: timeout))
        result.durationMilliseconds = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1_000_000
        return result
    }

    private func exchange(_ cell: Cell, against server: LoopbackTLSServer, deadline: Deadline) -> CellResult {
        var result = CellResult(runtime: runtime, mode: cell.mode, tfo: cell.tfo, family: cell.family, kernelTFO: kernelTFO,
                                outcome: .failed, reason: nil, strategy: nil, notes: [], firstWrite: nil,
                                tfoEvidence: .none, tlsVersion: nil, cipher: nil, errno: nil, errnoName: nil,
                                openSSLErrors: [], verifyError: nil, durationMilliseconds: 0)

        let connection: OriginConnection
        do {
            connection = try connector.connect(to: server.address, identity: .ipAddress(cell.family.loopbackHost),
                                               tfo: cell.tfo.isOn, deadline: deadline, forcing: cell.mode.forcedStrategy)
        } catch {
            result.record(error.diagnostics)
            result.outcome = switch error.kind {
            case .unsupported: .unsupported
            case .timedOut: .timeout
            case .failed: .failed
            }
            result.reason = error.message
            result.errno = error.errno
            result.errnoName = error.errnoName
            result.openSSLErrors = error.openSSLErrors
            result.verifyError = error.verifyError
            return result
        }

        result.record(connection.diagnostics)
        let tls = connection.tls
        result.tlsVersion = tls.protocolVersion
        result.cipher = tls.cipher
        let message = Array("tlsprobe \(cell.name)\n".utf8)
        do {
            try tls.write(message, until: deadline)
            let echo = try tls.readLine(until: deadline)
            if echo == message {
                result.outcome = .ok
            } else {
                result.reason = "the server echoed \(echo.count) bytes that differ from the \(message.count) sent"
            }
            tls.shutdown()
        } catch {
            result.outcome = error.kind == .deadline ? .timeout : .failed
            result.reason = "after the handshake: \(error)"
            result.errno = error.errno
            result.errnoName = error.errnoName
            result.openSSLErrors = error.openSSLErrors
        }
        result.tfoEvidence = TFOEvidence.fromTCPInfo(tls.socket.tcpInfoOptions())
        return result
    }
}

extension CellResult {
    mutating func record(_ diagnostics: ConnectDiagnostics) {
        strategy = diagnostics.strategy.rawValue
        notes = diagnostics.notes
        firstWrite = diagnostics.firstWrite
    }
}
