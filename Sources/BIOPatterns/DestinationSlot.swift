/// Where a fast-open BIO keeps the destination between `BIO_set_conn_address`
/// and its first write.
///
/// `ExDataSlot` is upstream ATS's fix: ex_data belongs to the application,
/// whatever the borrowed socket-BIO methods do with the BIO's data pointer.
/// `BIODataSlot` is the legacy design: the very same BIO, the data pointer.
package protocol DestinationSlot: AnyObject, Sendable {
    /// Keeps `destination` (or clears the slot, with `nil`) for `bio`; `false` when OpenSSL refused.
    func store(_ destination: UnsafeMutableRawPointer?, in bio: OpaquePointer) -> Bool
    /// The destination kept for `bio`, if any.
    func load(from bio: OpaquePointer) -> UnsafeMutableRawPointer?
}
