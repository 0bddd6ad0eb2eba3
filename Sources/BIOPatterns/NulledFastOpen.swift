import ProxyCore

/// ATS PR 11501's first revision: the legacy fast-open BIO (destination in BIO
/// data), but `BIO_set_conn_address(bio, tfo ? addr : NULL)` on every
/// connection, so that with TFO off the data pointer is NULL at the first write.
///
/// That stops the `sendto(…, 0)` EINVAL on OpenSSL 3.2+, and moves the damage:
/// the NULL replaces the pointer to the struct the socket BIO's create
/// allocated, which is then never freed, on every TFO-off connection. With TFO
/// on it is the legacy design unchanged (the struct leaks, and a connection
/// released before its first write has OpenSSL free the application's address).
enum NulledFastOpen {
    static func connection(_ request: ConnectionRequest) throws -> TLSConnection {
        let (tls, bio) = try FastOpenBIO.unattached(request, slot: BIODataSlot.shared)
        try FastOpenBIO.setConnectAddress(request.tfo ? DestinationAddress(request.address) : nil, of: bio, keptBy: tls)
        tls.attach(bio)
        return tls
    }
}
