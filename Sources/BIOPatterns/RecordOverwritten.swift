/// The application's connection record no longer holds what it wrote: the
/// reproduction stops before any read or write would use the descriptor found
/// there (PostgreSQL ≤ 16.1 went on, and its handshake failed on descriptor 0).
struct RecordOverwritten: Error, Sendable, CustomStringConvertible {
    let check: RecordCheck

    var description: String {
        "OpenSSL wrote into the application's connection record (BIO data): \(check); the handshake would read and write descriptor \(check.fileDescriptorFound)"
    }
}
