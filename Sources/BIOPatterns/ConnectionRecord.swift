import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// The application's connection record, as PostgreSQL ≤ 16.1 kept its `Port`
/// (and libpq its `PGconn`) in BIO data: a `malloc`'d block owned by the
/// connection, with the socket first, as `Port.sock` is.
///
/// Layout: the descriptor at offset 0, a known 64-bit pattern (the canary) at
/// offset 8, and a pointer back to this object at offset 16, by which the
/// BIO's read and write reach the write observer. OpenSSL 3.2+'s socket BIO
/// takes the data pointer for its own struct (a `BIO_ADDR` first), so its
/// `BIO_C_SET_FD` zeroes exactly these bytes, and its destroy frees the block.
final class ConnectionRecord {
    static let size = 256
    static let fileDescriptorOffset = 0
    static let patternOffset = 8
    static let objectOffset = 16
    /// "tlsprobe" as it lies in memory (little-endian).
    static let pattern: UInt64 = 0x6562_6F72_7073_6C74

    /// The record itself, handed to `BIO_set_data`.
    let pointer: UnsafeMutableRawPointer
    let fileDescriptor: Int32
    let observer: WriteObserver

    init(fileDescriptor: Int32, observer: WriteObserver) {
        guard let block = calloc(1, ConnectionRecord.size) else {
            fatalError("calloc(\(ConnectionRecord.size)) failed")
        }
        pointer = block
        self.fileDescriptor = fileDescriptor
        self.observer = observer
        block.storeBytes(of: fileDescriptor, toByteOffset: Self.fileDescriptorOffset, as: Int32.self)
        block.storeBytes(of: Self.pattern, toByteOffset: Self.patternOffset, as: UInt64.self)
        block.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: Self.objectOffset,
                         as: UnsafeMutableRawPointer.self)
    }

    /// The application frees its record once, after `SSL_free` (the connection keeps it until then).
    deinit {
        free(pointer)
    }

    /// Reads the canary and the descriptor back.
    func check(after operation: String) -> RecordCheck {
        RecordCheck(checkedAfter: operation,
                    patternOffset: Self.patternOffset, patternExpected: Self.pattern,
                    patternFound: pointer.load(fromByteOffset: Self.patternOffset, as: UInt64.self),
                    fileDescriptorOffset: Self.fileDescriptorOffset, fileDescriptorExpected: fileDescriptor,
                    fileDescriptorFound: pointer.load(fromByteOffset: Self.fileDescriptorOffset, as: Int32.self))
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
