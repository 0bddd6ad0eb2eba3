import COpenSSL
import ProxyCore

/// Upstream ATS's fix's slot (`exdata-fastopen`): the destination in BIO ex_data, an index this process
/// claimed for itself, never in the data pointer the socket BIO's create fills.
package final class ExDataSlot: DestinationSlot {
    package static let shared = ExDataSlot()

    /// Claimed once per process; -1 if OpenSSL refused (then every store fails).
    let index = tlsprobe_BIO_get_ex_new_index()

    package func store(_ destination: UnsafeMutableRawPointer?, in bio: OpaquePointer) -> Bool {
        index >= 0 && BIO_set_ex_data(bio, index, destination) == 1
    }

    package func load(from bio: OpaquePointer) -> UnsafeMutableRawPointer? {
        index >= 0 ? BIO_get_ex_data(bio, index) : nil
    }
}
