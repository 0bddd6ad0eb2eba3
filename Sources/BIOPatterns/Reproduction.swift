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
    /// ATS PR 11501's first revision: the legacy BIO given `BIO_set_conn_address(bio, tfo ? addr : NULL)`
    /// always. No EINVAL on 3.2+, but OpenSSL's struct leaks on every TFO-off connection.
    case nulledFastOpen = "nulled-fastopen"
    /// The migration trap: no `connect()` when TFO is on, a plain socket BIO given
    /// `BIO_set_conn_address`, which Linux builds of OpenSSL never use to connect.
    case socketConnAddress = "socket-conn-address"
    /// PostgreSQL ≤ 16.1: the application's connection record in the BIO data of a BIO
    /// with the socket BIO's create/ctrl/destroy. OpenSSL 3.2+ writes into it and frees it.
    case appDataPointer = "appdata-pointer"

    package var name: String { rawValue }

    package var bioHoldsApplicationMemory: Bool {
        switch self {
        // The application's destination address in BIO data.
        case .legacyFastOpen, .nulledFastOpen: true
        // The application's connection record in BIO data.
        case .appDataPointer: true
        // `BIO_set_conn_address` copies the address into OpenSSL's own `BIO_ADDR`.
        case .socketConnAddress: false
        }
    }

    /// Builds the process-wide objects the reproductions share (their `BIO_METHOD`s, the
    /// fast-open BIO's ex_data index) now, so that no cell's allocation accounting counts
    /// them as its own.
    package static func prepare() {
        AppDataPointer.prepare()
        FastOpenBIO.prepare()
    }

    package func open(_ request: ConnectionRequest) throws -> TLSConnection {
        switch self {
        case .legacyFastOpen:
            return try FastOpenBIO.connection(request, slot: BIODataSlot.shared,
                                              destination: DestinationAddress(request.address))
        case .socketConnAddress:
            return try SocketConnAddress.connection(request)
        case .nulledFastOpen:
            return try NulledFastOpen.connection(request)
        case .appDataPointer:
            return try AppDataPointer.connection(request)
        }
    }
}
