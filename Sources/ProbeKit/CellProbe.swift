import ProxyCore

/// Runs one cell in this process: connect with the cell's mode, verify the
/// server, send a line, read it back (or, in the teardown phase, release the
/// connection before it writes), and record what happened on the way.
struct CellProbe {
    let connector: OriginConnector
    let runtime: String
    let kernelTFO: Int?
    let timeout: Double

    func run(_ cell: Cell, against server: LoopbackTLSServer) -> CellResult {
        let started = Deadline.now
        let deadline = Deadline.after(seconds: timeout)
        var result = CellResult(cell, runtime: runtime, kernelTFO: kernelTFO, outcome: .failed)
        switch cell.phase {
        case .handshake: exchange(cell, against: server, deadline: deadline, into: &result)
        case .teardown: abandon(cell, against: server, deadline: deadline, into: &result)
        }
        result.durationMilliseconds = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1_000_000
        return result
    }

    private func exchange(_ cell: Cell, against server: LoopbackTLSServer, deadline: Deadline, into result: inout CellResult) {
        let connection: OriginConnection
        do {
            connection = try connector.connect(to: server.address, identity: .ipAddress(cell.family.loopbackHost),
                                               tfo: cell.tfo.isOn, deadline: deadline, forcing: cell.mode.forcedStrategy)
        } catch {
            result.record(error)
            return
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
    }

    /// Sets the connection up and drops it unwritten. Whether that was clean is
    /// for the memory accounting around the cell to say.
    private func abandon(_ cell: Cell, against server: LoopbackTLSServer, deadline: Deadline, into result: inout CellResult) {
        do {
            let pending = try connector.prepare(to: server.address, identity: .ipAddress(cell.family.loopbackHost),
                                                tfo: cell.tfo.isOn, deadline: deadline, forcing: cell.mode.forcedStrategy)
            result.record(pending.diagnostics)
            result.notes.append("released before the first write")
            result.outcome = .ok
        } catch {
            result.record(error)
        }
    }
}

extension CellResult {
    mutating func record(_ diagnostics: ConnectDiagnostics) {
        strategy = diagnostics.strategy.rawValue
        notes = diagnostics.notes
        firstWrite = diagnostics.firstWrite
    }

    mutating func record(_ error: OriginConnectError) {
        record(error.diagnostics)
        outcome = switch error.kind {
        case .unsupported: .unsupported
        case .timedOut: .timeout
        case .failed: .failed
        }
        reason = error.message
        errno = error.errno
        errnoName = error.errnoName
        openSSLErrors = error.openSSLErrors
        verifyError = error.verifyError
    }

    /// Folds the cell's allocation accounting into its outcome: a connection
    /// that leaks or makes OpenSSL free foreign memory is not `ok`.
    mutating func record(_ memory: MemoryEvidence) {
        self.memory = memory
        guard !memory.isClean, outcome == .ok || outcome == .failed else { return }
        var problems: [String] = []
        if memory.foreignFrees > 0 {
            problems.append("OpenSSL freed \(memory.foreignFrees) pointer(s) it never allocated")
        }
        if memory.leakedAllocations > 0 {
            problems.append("\(memory.leakedAllocations) OpenSSL allocation(s) (\(memory.leakedBytes) bytes) leaked")
        }
        let text = problems.joined(separator: "; ")
        reason = outcome == .ok ? text : [reason, text].compactMap { $0 }.joined(separator: "; ")
        outcome = .failed
    }
}
