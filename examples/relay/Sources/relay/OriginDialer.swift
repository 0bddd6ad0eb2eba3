import ProxyCore

/// How the relay opens an origin connection: ProxyCore (the fix), or a BIO plug-in (the
/// legacy design, to compare on the same relay).
enum OriginDialer: Sendable, CustomStringConvertible {
    case proxyCore(OriginConnector, Target)
    case plugin(BIOPlugin, Target)

    /// Where and how: the origin's address, the name its certificate must carry, TFO.
    struct Target: Sendable {
        let address: SocketAddress
        let tfo: Bool
    }

    init(origin: OriginURL, ca: String?, tfo: Bool, bioPlugin: String?) throws {
        let target = Target(address: origin.address, tfo: tfo)
        if let bioPlugin {
            self = .plugin(try BIOPlugin(path: bioPlugin, ca: ca), target)
        } else {
            let trust: TrustRoots = try ca.map { .certificates(try Certificate.all(pemFile: $0)) } ?? .system
            self = .proxyCore(OriginConnector(context: try TLSContext.client(trust: trust)), target)
        }
    }

    /// A new, verified origin connection; a failure carries what the connection did.
    func connect(deadline: Deadline) throws(OriginFailure) -> any OriginStream {
        switch self {
        case .proxyCore(let connector, let target):
            do {
                let connection = try connector.connect(to: target.address, identity: .ipAddress(target.address.host),
                                                       tfo: target.tfo, deadline: deadline)
                return ProxyCoreOrigin(connection: connection)
            } catch {
                throw OriginFailure(message: error.description, diagnostics: error.diagnostics.logText)
            }
        case .plugin(let plugin, let target):
            return try plugin.connect(to: target.address, tfo: target.tfo, deadline: deadline)
        }
    }

    var description: String {
        switch self {
        case .proxyCore(_, let target): "ProxyCore, TFO \(target.tfo ? "on" : "off")"
        case .plugin(let plugin, let target): "BIO plug-in \(plugin.name), TFO \(target.tfo ? "on" : "off")"
        }
    }
}

/// An origin connection could not be made, or failed: what and how, for the 502 and the log.
struct OriginFailure: Error {
    /// `fd: handshake: system call failed with EINVAL`.
    let message: String
    /// `strategy fd; first write sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL`.
    let diagnostics: String
}
