/// Where a fast-open BIO keeps the destination between `BIO_set_conn_address`
/// and its first write.
///
/// ProxyCore's only slot is `ExDataSlot`: ex_data belongs to the application,
/// whatever the borrowed socket-BIO methods do with the BIO's data pointer.
/// The protocol is `package` so that tlsprobe can reproduce the legacy design
/// (the data pointer) with the very same BIO, and compare.
package protocol DestinationSlot: AnyObject, Sendable {
    /// Keeps `destination` (or clears the slot, with `nil`) for `bio`; `false` when OpenSSL refused.
    func store(_ destination: UnsafeMutableRawPointer?, in bio: OpaquePointer) -> Bool
    /// The destination kept for `bio`, if any.
    func load(from bio: OpaquePointer) -> UnsafeMutableRawPointer?
}
