import COpenSSL
import ProxyCore

/// The migration trap, as a proxy moving to OpenSSL's own TFO might write it:
/// skip `connect()` when TFO is on and give a plain socket BIO the destination
/// with `BIO_set_conn_address`, expecting the BIO to connect on its first write.
///
/// OpenSSL 3.0 refuses the ctrl (its socket BIO has no peer before 3.2). 3.2+
/// accepts it, but Linux builds have no `sendto` path in the socket BIO: the
/// first write is a plain `write()` on an unconnected socket, EPIPE.
enum SocketConnAddress {
    static func connection(_ request: ConnectionRequest) throws -> TLSConnection {
        if !request.tfo { try request.socket.connect(to: request.address, deadline: request.deadline) }
        let tls = try TLSConnection(unattached: request.context, socket: request.socket)
        guard let bio = BIO_new(BIO_s_socket()) else { throw OpenSSLError("BIO_new(BIO_s_socket)") }
        let handle = BIOHandle(taking: bio)
        guard tlsprobe_BIO_set_fd(bio, request.socket.fileDescriptor, BIO_NOCLOSE) == 1 else { throw OpenSSLError("BIO_set_fd") }
        if request.tfo {
            let peer = try BIOAddress(request.address)
            tls.keepAlive(peer)
            guard tlsprobe_BIO_set_conn_address(bio, UnsafeRawPointer(peer.pointer)) == 1 else {
                throw Unsupported("the socket BIO of OpenSSL \(request.runtime.runtimeVersion) refuses BIO_set_conn_address (it has no TFO peer before 3.2)")
            }
            request.notes.append("socket BIO accepted BIO_set_conn_address; the socket is not connected")
        }
        SocketBIOObserver.attach(request.observer, toBIO: bio)
        tls.keepAlive(request.observer)
        tls.attach(handle)
        return tls
    }
}
