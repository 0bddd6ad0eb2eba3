/// OpenSSL wrote over the part of the application's connection record the BIO's
/// read and write depend on (the socket, or tlsprobe's canary beside it): the
/// reproduction stops before any read or write would use what it found there.
/// On OpenSSL 3.2–4.0 the socket lies past everything `BIO_set_fd` writes, so
/// this is for an OpenSSL whose socket-BIO struct grew that far.
struct RecordOverwritten: Error, Sendable, CustomStringConvertible {
    let check: RecordCheck

    var description: String {
        "OpenSSL wrote into the application's connection record (BIO data) as far as its socket: \(check); the handshake would read and write descriptor \(check.fileDescriptorFound)"
    }
}
