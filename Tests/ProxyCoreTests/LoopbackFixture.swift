import ProbeKit
@testable import ProxyCore

/// A loopback TLS server and a client context that trusts it: real sockets, real OpenSSL.
struct LoopbackFixture {
    let pki: EphemeralPKI
    let server: LoopbackTLSServer
    let client: TLSContext

    init(family: AddressFamily, serverPKI: EphemeralPKI? = nil, clientMaximum: TLSVersion? = nil) throws {
        pki = try EphemeralPKI.generate()
        let served = serverPKI ?? pki
        let serverContext = try TLSContext.server(certificate: served.leafCertificate, key: served.leafKey)
        server = try LoopbackTLSServer(family: family, context: serverContext, timeout: 5)
        client = try TLSContext.client(trustAnchors: [pki.caCertificate], maximumVersion: clientMaximum)
    }

    func connect(_ strategy: OriginConnector.Strategy?, tfo: Bool, family: AddressFamily,
                 identity: PeerIdentity? = nil, timeout: Double = 5) throws(OriginConnectError) -> OriginConnection {
        try OriginConnector(context: client).connect(
            to: server.address, identity: identity ?? .ipAddress(family.loopbackHost), tfo: tfo,
            deadline: .after(seconds: timeout), forcing: strategy)
    }
}

/// The host's `tcp_fastopen` client bit: whether MSG_FASTOPEN and TCP_FASTOPEN_CONNECT may be used here.
var clientTFOEnabled: Bool {
    (EnvironmentFacts.gather().tcpFastopen ?? 0) & 1 != 0
}
