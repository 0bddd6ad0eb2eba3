import COpenSSL
import Foundation
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of a file the index names, through this process's libcrypto (EVP):
/// what a cached package is checked against before the audit reads it.
package enum FileDigest {
    /// Why a file is not what the index says.
    package struct Mismatch: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    /// Lowercase hex SHA-256 of the regular file at `path`, read without following a link;
    /// a file of another size than `expectedSize` is refused before any hashing.
    package static func sha256(of path: String, expectedSize: Int) throws(Mismatch) -> String {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Mismatch(description: "cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw Mismatch(description: "is not a regular file")
        }
        guard Int(status.st_size) == expectedSize else {
            throw Mismatch(description: "is \(status.st_size) bytes, not the index's \(expectedSize)")
        }
        guard let context = EVP_MD_CTX_new() else { throw Mismatch(description: "libcrypto cannot make a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw Mismatch(description: "libcrypto has no SHA-256") }
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Mismatch(description: "cannot be read: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            total += count
            // A file that grows while it is read is not the one that was measured.
            guard total <= expectedSize else { throw Mismatch(description: "grew while it was read") }
            guard buffer.withUnsafeBytes({ EVP_DigestUpdate(context, $0.baseAddress, count) }) == 1 else {
                throw Mismatch(description: "SHA-256 failed")
            }
        }
        guard total == expectedSize else { throw Mismatch(description: "changed while it was read (\(total) bytes, not \(expectedSize))") }
        var hash = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &hash, &length) == 1, length == 32 else { throw Mismatch(description: "SHA-256 failed") }
        return hash.prefix(32).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
