import COpenSSLCore
import Foundation
@testable import ProxyCore

/// Certificates and keys written out as a proxy's configuration holds them (PEM, DER),
/// through OpenSSL's own encoders: the inputs the loaders are tested on.
enum Encoding {
    static func pem(_ certificate: Certificate) -> [UInt8] {
        memory { PEM_write_bio_X509($0, certificate.pointer) }
    }

    static func der(_ certificate: Certificate) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let count = i2d_X509(certificate.pointer, &out)
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(max(count, 0))))
    }

    /// PKCS #8 PEM (`BEGIN PRIVATE KEY`).
    static func pem(_ key: PrivateKey) -> [UInt8] {
        memory { PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil) }
    }

    /// PKCS #8 PEM encrypted with AES-128-CBC under `passphrase` (`BEGIN ENCRYPTED PRIVATE KEY`).
    static func encryptedPEM(_ key: PrivateKey, passphrase: String) -> [UInt8] {
        let secret = strdup(passphrase)
        defer { free(secret) }
        return memory { PEM_write_bio_PKCS8PrivateKey($0, key.pointer, EVP_aes_128_cbc(), nil, 0, nil, secret) }
    }

    static func der(_ key: PrivateKey) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let count = i2d_PrivateKey(key.pointer, &out)
        defer { CRYPTO_free(out, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(max(count, 0))))
    }

    /// What `write` put into a memory BIO.
    private static func memory(_ write: (OpaquePointer) -> Int32) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { return [] }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let read = BIO_read(bio, &bytes, Int32(bytes.count))
        return Array(bytes.prefix(Int(max(read, 0))))
    }
}

/// A folder of its own under the system's temporary folder, removed by `remove()`.
struct ScratchFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("proxycore-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in the folder; returns the file's path.
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
