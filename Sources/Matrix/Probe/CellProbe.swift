import COpenSSL
import Loopback
import MatrixModel
import ProxyCore
import SystemPackage

/// Runs one cell in this process: connect with the cell's mode, verify the
/// server, send a line, read it back (or, in the teardown phase, release the
/// connection before it writes), and record what happened on the way.
///
/// TFO-on handshake cells connect twice: the first connection obtains the
/// server's cookie, the second can carry data in its SYN and is the evidence.
struct CellProbe {
    let connector: OriginConnector
    let runtime: String
    let kernelTFO: Int?
    let timeout: Double
    /// In a private namespace the TcpExt counters are the cell's own and the
    /// cookie cache may be flushed; in the host's, neither.
    let privateNamespace: Bool
    /// What loading each `--bio-plugin` gave, by name.
    var plugins: [String: Result<BIOPlugin, BIOPlugin.Unavailable>] = [:]
    /// Told of each connection's new socket: how the libc-boundary write observer is pointed at it.
    var socketOpened: ((Int32) -> Void)?

    /// The instrumentation of one connect call: the cell's recipe, the socket hook.
    private func instrumentation(_ recipe: (any ConnectionRecipe)?) -> ConnectInstrumentation {
        ConnectInstrumentation(recipe: recipe, socketOpened: socketOpened)
    }

    func run(_ cell: Cell, against server: LoopbackTLSServer) -> CellResult {
        let started = Deadline.now
        let deadline = Deadline.after(seconds: timeout)
        var result = CellResult(cell, runtime: runtime, kernelTFO: kernelTFO, outcome: .failed)
        result.privateNamespace = privateNamespace
        do throws(BIOPlugin.Unavailable) {
            let recipe = try recipe(for: cell.mode)
            if let plugin = (recipe as? PluginRecipe)?.plugin { result.plugin = plugin.evidence }
            switch cell.phase {
            case .handshake: handshake(cell, recipe: recipe, against: server, deadline: deadline, into: &result)
            case .teardown: abandon(cell, recipe: recipe, against: server, deadline: deadline, into: &result)
            }
        } catch {
            result.outcome = .unsupported
            result.reason = error.reason
        }

        result.durationMilliseconds = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1_000_000
        return result
    }

    /// What `OriginConnector` is given for `mode`: a plug-in's recipe comes from the plug-in
    /// this worker loaded; `nil` lets the policy choose (`proxy-core`).
    private func recipe(for mode: BIOMode) throws(BIOPlugin.Unavailable) -> (any ConnectionRecipe)? {
        guard let name = mode.pluginName else { return mode.recipe }
        guard let loaded = plugins[name] else { throw BIOPlugin.Unavailable(reason: "no plug-in named \(name) was given to this worker") }
        return PluginRecipe(plugin: try loaded.get())
    }

    /// What one connection of a cell did.
    private struct Exchange {
        var result: CellResult
        var clientSynData: Bool?
        var clientPort: UInt16?
    }

    private func handshake(_ cell: Cell, recipe: (any ConnectionRecipe)?, against server: LoopbackTLSServer, deadline: Deadline,
                           into result: inout CellResult) {
        if cell.tfo.isOn && privateNamespace, let problem = NetworkNamespace.flushTCPMetrics() {
            result.notes.append(problem)
        }
        let first = exchange(cell, recipe: recipe, against: server, deadline: deadline, template: result)
        result = first.result
        guard cell.tfo.isOn, first.result.outcome == .ok else {
            result.tfoEvidence = evidence(connection: 1, first, server: server, counters: nil)
            return
        }
        let before = privateNamespace ? TCPCounters.fastOpen() : nil
        let second = exchange(cell, recipe: recipe, against: server, deadline: deadline, template: result)
        let after = privateNamespace ? TCPCounters.fastOpen() : nil
        let counters = before.flatMap { before in after.map { TCPCounters.delta(before, $0) } }
        result.tfoEvidence = evidence(connection: 2, second, server: server, counters: counters,
                                      secondFirstWrite: second.result.firstWrite)
        if second.result.outcome != .ok {
            result.outcome = second.result.outcome
            result.reason = "second connection (with the cookie): \(second.result.reason ?? "failed")"
            result.errno = second.result.errno
            result.openSSLErrors = second.result.openSSLErrors
        }
    }

    private func evidence(connection: Int, _ exchange: Exchange, server: LoopbackTLSServer, counters: [String: Int]?,
                          secondFirstWrite: FirstWrite? = nil) -> TFOEvidence {
        guard exchange.clientSynData != nil || exchange.clientPort != nil else { return .none }
        return TFOEvidence.judge(connection: connection, clientSynData: exchange.clientSynData,
                                 server: exchange.clientPort.flatMap { server.acceptRecord(clientPort: $0) },
                                 counters: counters, secondFirstWrite: secondFirstWrite)
    }

    /// Adds the libc boundary's record of the connection's first write, where it watches.
    private func observeLibc(into result: inout CellResult, server: LoopbackTLSServer) {
        guard LibcWriteObserver.active else { return }
        result.observe(libc: LibcWriteObserver.take(expectedAddressLength: Int(server.address.length)))
    }

    /// One connection: connect, verify, echo a line.
    private func exchange(_ cell: Cell, recipe: (any ConnectionRecipe)?, against server: LoopbackTLSServer, deadline: Deadline,
                          template: CellResult) -> Exchange {
        var result = template
        result.firstWrite = nil
        result.bioFirstWrite = nil
        let connection: OriginConnection
        let instrumentation = instrumentation(recipe)
        do {
            connection = try connector.connect(to: server.address, identity: .ipAddress(cell.family.socketFamily.loopbackHost),
                                               tfo: cell.tfo.isOn, deadline: deadline, instrumentation: instrumentation)
        } catch {
            result.record(error, setupEvidence: instrumentation.setupEvidence)
            observeLibc(into: &result, server: server)
            return Exchange(result: result)
        }
        result.record(connection.diagnostics, setupEvidence: instrumentation.setupEvidence)
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
            result.errno = error.errno.map(Errno.init(rawValue:))
            result.openSSLErrors = error.openSSLErrors
        }
        observeLibc(into: &result, server: server)
        checkPlugin(recipe, ssl: tls.ssl, after: "the handshake and echo, before SSL_free", into: &result)
        return Exchange(result: result, clientSynData: tls.socket.synDataAcknowledged, clientPort: tls.socket.localPort)
    }

    /// Asks a plug-in's `tlsprobe_plugin_check` about the connection's BIO while the SSL still
    /// holds it; a non-zero answer fails the cell (`CellResult.record(_:)`), accounted or not.
    private func checkPlugin(_ recipe: (any ConnectionRecipe)?, ssl: OpaquePointer, after: String, into result: inout CellResult) {
        guard let plugin = (recipe as? PluginRecipe)?.plugin, let check = plugin.check(bio: SSL_get_rbio(ssl), after: after) else { return }
        result.record(check)
    }

    /// Sets the connection up and drops it unwritten. Whether that was clean is
    /// for the memory accounting around the cell to say.
    private func abandon(_ cell: Cell, recipe: (any ConnectionRecipe)?, against server: LoopbackTLSServer, deadline: Deadline,
                         into result: inout CellResult) {
        let instrumentation = instrumentation(recipe)
        do {
            let pending = try connector.prepare(to: server.address, identity: .ipAddress(cell.family.socketFamily.loopbackHost),
                                                tfo: cell.tfo.isOn, deadline: deadline, instrumentation: instrumentation)
            result.record(pending.diagnostics, setupEvidence: instrumentation.setupEvidence)
            result.notes.append("released before the first write")
            result.outcome = .ok
            observeLibc(into: &result, server: server)
            checkPlugin(recipe, ssl: pending.tls.ssl, after: "the setup, before SSL_free (released unwritten)", into: &result)
        } catch {
            result.record(error, setupEvidence: instrumentation.setupEvidence)
            observeLibc(into: &result, server: server)
        }
    }
}
