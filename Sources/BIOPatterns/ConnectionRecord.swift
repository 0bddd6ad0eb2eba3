import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// The application's connection record, modelled on libpq's `PGconn` as PostgreSQL
/// ≤ 16.1 kept it in BIO data: a `malloc`'d block owned by the connection that
/// begins with pointers to the connection's option strings (host name, address,
/// port, …, user, password) and keeps the socket far from the start.
///
/// Layout: the option pointers in `PGconn`'s order from offset 0 (`fields`), the
/// descriptor at offset 256 (past them, as `PGconn.sock` lies past its 40-odd
/// option strings), then tlsprobe's own canary pattern and a pointer back to this
/// object, by which the BIO's read and write reach the write observer.
///
/// OpenSSL 3.2+'s socket BIO takes the data pointer for its own struct, 120 bytes
/// on Linux x86-64 (a `BIO_ADDR`, the sockaddr union of 112 bytes, then `tfo_first`
/// and `ktls_record_type`; measured: the struct `BIO_set_data` replaces leaks 120
/// bytes on 3.5 and 3.6, 124 on 4.0). Its `BIO_C_SET_FD` zeroes the `BIO_ADDR` and
/// `tfo_first`, bytes 0–115 on each of them:
/// the first fourteen pointers and half of the fifteenth. The socket and the
/// canary lie beyond, so the handshake still completes; the destroy then frees the
/// whole block, and the application's own free of it would be a double free.
final class ConnectionRecord {
    static let size = 512
    static let fileDescriptorOffset = 256
    static let patternOffset = 264
    static let objectOffset = 272
    /// "tlsprobe" as it lies in memory (little-endian).
    static let pattern: UInt64 = 0x6562_6F72_7073_6C74

    /// `PGconn`'s first option strings, by their field names, with the values a psql
    /// connection might hold; each field is a pointer to its string.
    static let fields: [(name: String, value: String)] = [
        ("pghost", "localhost"), ("pghostaddr", "127.0.0.1"), ("pgport", "5432"), ("connect_timeout", "10"),
        ("pgtcp_user_timeout", "0"), ("client_encoding_initial", "UTF8"), ("pgoptions", ""), ("appname", "tlsprobe"),
        ("fbappname", "psql"), ("dbName", "postgres"), ("replication", ""), ("pguser", "postgres"),
        ("pgpass", ""), ("pgpassfile", ".pgpass"), ("channel_binding", "prefer"), ("keepalives", "1"),
        ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"), ("sslmode", "verify-full"),
        ("sslcompression", "0"), ("sslkey", "postgresql.key"), ("sslcert", "postgresql.crt"), ("sslpassword", ""),
    ]

    /// The record itself, handed to `BIO_set_data`.
    let pointer: UnsafeMutableRawPointer
    /// The option strings the record's fields point at, one block, owned by this object (not by the
    /// record: whatever OpenSSL does to the record, the application frees its strings once).
    private let strings: UnsafeMutableRawPointer
    /// The record's bytes as the application wrote them, to compare with what is found.
    private var written: [UInt8] = []
    let fileDescriptor: Int32
    let observer: WriteObserver

    init(fileDescriptor: Int32, observer: WriteObserver) {
        precondition(Self.fields.count * 8 <= Self.fileDescriptorOffset, "the option fields end before the socket")
        let text = Self.fields.map { Array($0.value.utf8) + [0] }
        guard let block = calloc(1, Self.size), let strings = calloc(1, 1 + text.reduce(0) { $0 + $1.count }) else {
            fatalError("calloc for the connection record failed")
        }
        pointer = block
        self.strings = strings
        self.fileDescriptor = fileDescriptor
        self.observer = observer
        // From the block's second byte: the first field's low byte is then never zero, so the
        // comparison sees the first byte OpenSSL zeroes (a zero written over a zero is invisible).
        var next = strings + 1
        for (index, bytes) in text.enumerated() {
            next.copyMemory(from: bytes, byteCount: bytes.count)
            block.storeBytes(of: next, toByteOffset: index * 8, as: UnsafeMutableRawPointer.self)
            next += bytes.count
        }
        block.storeBytes(of: fileDescriptor, toByteOffset: Self.fileDescriptorOffset, as: Int32.self)
        block.storeBytes(of: Self.pattern, toByteOffset: Self.patternOffset, as: UInt64.self)
        block.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: Self.objectOffset,
                         as: UnsafeMutableRawPointer.self)
        written = Array(UnsafeRawBufferPointer(start: block, count: Self.size))
    }

    /// The application frees its record once, after `SSL_free` (the connection keeps it until then).
    /// Where OpenSSL's destroy freed it first, this is the double free PostgreSQL met; in a worker the
    /// accounting refused OpenSSL's free, so this one is the only one.
    deinit {
        free(pointer)
        free(strings)
    }

    /// Reads every option field, the canary and the descriptor back, and which bytes differ.
    func check(after operation: String) -> RecordCheck {
        let fields = Self.fields.enumerated().map { index, field in
            RecordCheck.Field(name: field.name, offset: index * 8,
                              written: load(UInt64.self, at: index * 8, from: written),
                              found: pointer.load(fromByteOffset: index * 8, as: UInt64.self))
        }
        let differing = (0..<Self.size).filter { pointer.load(fromByteOffset: $0, as: UInt8.self) != written[$0] }
        return RecordCheck(checkedAfter: operation, fields: fields,
                           overwrittenBytes: differing.first.map { $0...differing.last! },
                           patternOffset: Self.patternOffset, patternExpected: Self.pattern,
                           patternFound: pointer.load(fromByteOffset: Self.patternOffset, as: UInt64.self),
                           fileDescriptorOffset: Self.fileDescriptorOffset, fileDescriptorExpected: fileDescriptor,
                           fileDescriptorFound: pointer.load(fromByteOffset: Self.fileDescriptorOffset, as: Int32.self))
    }

    private func load<T>(_ type: T.Type, at offset: Int, from bytes: [UInt8]) -> T {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: type) }
    }

    /// The record behind a BIO's data pointer, and the descriptor it holds; `nil` when
    /// the block there does not carry the pattern (not ours, or written over).
    static func resolve(_ raw: UnsafeMutableRawPointer) -> (record: ConnectionRecord, fileDescriptor: Int32)? {
        guard raw.load(fromByteOffset: patternOffset, as: UInt64.self) == pattern else { return nil }
        let object = raw.load(fromByteOffset: objectOffset, as: UnsafeMutableRawPointer.self)
        return (Unmanaged<ConnectionRecord>.fromOpaque(object).takeUnretainedValue(),
                raw.load(fromByteOffset: fileDescriptorOffset, as: Int32.self))
    }
}
