import COpenSSL
import ProxyCore

extension TLSConnection {
    /// The server side of an accepted connection (`SSL_set_accept_state`): the handshake accepts.
    /// Only the loopback servers accept; ProxyCore's connections are all clients.
    package static func accepting(_ socket: Socket, context: TLSContext) throws(OpenSSLError) -> TLSConnection {
        let tls = try TLSConnection(context: context, socket: socket)
        SSL_set_accept_state(tls.ssl)
        return tls
    }
}
