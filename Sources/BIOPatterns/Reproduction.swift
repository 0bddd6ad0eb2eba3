import COpenSSL
import ProxyCore

/// The broken designs tlsprobe reproduces, to show the mechanism next to the fix.
///
/// Each goes through `OriginConnector`'s connect path like a correct strategy,
/// so its evidence is gathered the same way. They can make OpenSSL free memory
/// it never allocated: tlsprobe runs them only in worker processes whose
/// OpenSSL allocations are accounted, never in a process that could be hurt.
package enum Reproduction: String, Sendable, Codable, CaseIterable, ConnectionRecipe {
    /// ATS ≤ 10.0: the fast-open BIO with its destination in BIO data. Broken on 3.2+.
    case legacyFastOpen = "legacy-fastopen"
    /// The migration trap: no `connect()` when TFO is on, a plain socket BIO given
    /// `BIO_set_conn_address`, which Linux builds of OpenSSL never use to connect.
    case socketConnAddress = "socket-conn-address"

    package var name: String { rawValue }

    package func open(_ request: ConnectionRequest) throws -> TLSConnection {
        switch self {
        case .legacyFastOpen:
            return try FastOpenBIO.connection(request, slot: BIODataSlot.shared,
                                              destination: DestinationAddress(request.address))
        case .socketConnAddress:
            return try SocketConnAddress.connection(request)
        }
    }
}
