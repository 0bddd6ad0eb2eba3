/// Where a fast-open BIO keeps the destination address until its first write.
public enum AddressStorage: String, Sendable, Codable {
    /// `BIO_set_data`: the legacy design. Since OpenSSL 3.2 the socket BIO's
    /// borrowed create puts its own struct there, so this breaks.
    case bioData
    /// `BIO_set_ex_data`: the fix. ex_data belongs to the application whatever
    /// the borrowed methods do with the data pointer.
    case exData
}
