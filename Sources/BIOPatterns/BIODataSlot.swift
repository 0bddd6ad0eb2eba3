import COpenSSL
import ProxyCore

/// The legacy design's slot: the destination in the BIO's data pointer
/// (`BIO_set_data`). On a BIO whose create came from the socket BIO, OpenSSL
/// 3.2+ keeps its own struct there, so this slot is what breaks: with nothing
/// stored, `load` returns OpenSSL's zeroed struct, and `store` overwrites (and
/// leaks) it, or hands the socket BIO's destroy an address it never allocated.
final class BIODataSlot: DestinationSlot {
    static let shared = BIODataSlot()

    func store(_ destination: UnsafeMutableRawPointer?, in bio: OpaquePointer) -> Bool {
        BIO_set_data(bio, destination)
        return true
    }

    func load(from bio: OpaquePointer) -> UnsafeMutableRawPointer? {
        BIO_get_data(bio)
    }
}
