import ProxyCore

/// Upstream fixes tlsprobe runs to compare with ProxyCore's: correct, but built on
/// OpenSSL API that ProxyCore does without.
///
/// Each goes through `OriginConnector`'s connect path like a strategy, forced. Unlike
/// the reproductions they free nothing they do not own, so they need no containment.
package enum ReferenceDesign: String, Sendable, Codable, CaseIterable, ConnectionRecipe {
    /// Upstream ATS's fix (ATS ≥ 9.2.5, trafficserver PR 11501 as merged): the fast-open BIO
    /// with its destination in BIO ex_data. It borrows the socket BIO's create, ctrl and
    /// destroy with `BIO_meth_get_*`, deprecated in OpenSSL 3.5.
    case exDataFastOpen = "exdata-fastopen"

    package var name: String { rawValue }

    package var bioHoldsApplicationMemory: Bool {
        switch self {
        // The destination, in BIO ex_data, until the first write.
        case .exDataFastOpen: true
        }
    }

    /// Builds the fast-open BIO's method and claims its ex_data indices now, so that no
    /// cell's allocation accounting counts them as its own.
    package static func prepare() {
        FastOpenBIO.prepare()
    }

    package func open(_ request: ConnectionRequest) throws -> TLSConnection {
        switch self {
        case .exDataFastOpen:
            try FastOpenBIO.connection(request, slot: ExDataSlot.shared, destination: OwnedSocketAddress(request.address))
        }
    }
}

/// ProxyCore's copy of a destination is what upstream's fix hands its BIO, as a proxy's own allocation.
extension OwnedSocketAddress: FastOpenDestination {}
