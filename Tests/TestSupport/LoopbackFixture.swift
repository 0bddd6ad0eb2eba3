import Loopback
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TLS echo server and a client context that trusts it: real sockets, real OpenSSL.
package struct LoopbackFixture {
    package let pki: EphemeralPKI
    package let server: LoopbackTLSServer
    package let client: TLSContext

    package init(family: SocketAddress.Family, serverPKI: EphemeralPKI? = nil, clientMaximum: TLSVersion? = nil) throws {
        TestProcess.prepare()
        pki = try EphemeralPKI.generate()
        let served = serverPKI ?? pki
        let serverContext = try TLSContext.server(certificate: served.leafCertificate, key: served.leafKey)
        server = try LoopbackTLSServer(family: family, context: serverContext, timeout: 5)
        client = try TLSContext.client(trustAnchors: [pki.caCertificate], maximumVersion: clientMaximum)
    }

    /// The identity the server's certificate names for its own address.
    package var identity: PeerIdentity { .ipAddress(server.address.family.loopbackHost) }

    /// Connects with the policy (`recipe` nil) or the given recipe.
    package func connect(_ recipe: (any ConnectionRecipe)? = nil, tfo: Bool, identity: PeerIdentity? = nil,
                        timeout: Double = 5) throws(OriginConnectError) -> OriginConnection {
        try OriginConnector(context: client).connect(to: server.address, identity: identity ?? self.identity, tfo: tfo,
                                                     deadline: .after(seconds: timeout),
                                                     instrumentation: ConnectInstrumentation(recipe: recipe))
    }
}

/// What the test process decides once for itself, as `main` does for the tool.
package enum TestProcess {
    /// Ignores SIGPIPE, as the tool's `main` does: a loopback server writing to a
    /// client that went away must see EPIPE, not end the test run.
    package static func prepare() {
        _ = ignoreSIGPIPE
    }

    private static let ignoreSIGPIPE: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// The host's `tcp_fastopen` client bit: whether MSG_FASTOPEN and TCP_FASTOPEN_CONNECT may be used here.
    package static var clientTFOEnabled: Bool {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_fastopen", encoding: .utf8),
              let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
        return value & 1 != 0
    }
}
