/// The memory a fast-open BIO's destination `sockaddr` lives in, kept alive by
/// the connection until after `SSL_free`, as a proxy's connection object does.
package protocol FastOpenDestination: AnyObject {
    /// The `sockaddr` handed to `BIO_set_conn_address`.
    var pointer: UnsafeMutableRawPointer { get }
}
