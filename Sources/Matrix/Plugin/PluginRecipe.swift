import COpenSSL
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// A cell's connection through a plug-in's BIO, set up as the plug-in ABI says:
/// `connect()` first unless the plug-in connects itself, the peer's address in a
/// record of tlsprobe's that outlives `SSL_free`, `tlsprobe_plugin_new_bio`, then
/// `SSL_set_bio(ssl, bio, bio)`. The plug-in keeps no record of its writes: the
/// libc-boundary observer is the cell's witness.
struct PluginRecipe: ConnectionRecipe {
    let plugin: BIOPlugin

    var name: String { plugin.spec.mode.rawValue }

    /// The plug-in is handed the peer's record; whether its BIO keeps it is up to code
    /// nobody has vetted, so the teardown phase probes it (`BIOMode.hasTeardown`).
    var bioHoldsApplicationMemory: Bool { true }

    func open(_ request: ConnectionRequest) throws -> TLSConnection {
        if !plugin.connectsItself(tfo: request.tfo) {
            try request.socket.connect(to: request.address, deadline: request.deadline)
        }
        let record = PeerRecord(request.address)
        let tls = try TLSConnection(unattached: request.context, socket: request.socket)
        tls.keepAlive(record)
        ERR_clear_error()
        errno = 0
        guard let bio = plugin.newBIO(request.socket.fileDescriptor, record.peer, record.length, request.tfo ? 1 : 0) else {
            let code = errno
            let queue = OpenSSLError.drainQueue()
            let call = "tlsprobe_plugin_new_bio of \(plugin.build.path) (it returned NULL)"
            if code != 0 { throw SystemCallError(call, errno: code, openSSLErrors: queue) }
            throw OpenSSLError(call, errorStrings: queue)
        }
        tls.attach(BIOHandle(taking: bio))
        return tls
    }
}
