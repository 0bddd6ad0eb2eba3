import COpenSSL
import ProxyCore

extension Certificate {
    /// The certificate as PEM text: what `tlsprobe run` writes as `{ca}` for a program that
    /// trusts the loopback origin's CA. A certificate is public; its key never leaves memory.
    package func pem() throws(OpenSSLError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError("BIO_new(BIO_s_mem)") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, pointer) == 1 else { throw OpenSSLError("PEM_write_bio_X509") }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = BIO_read(bio, &chunk, Int32(chunk.count))
            guard count > 0 else { break }
            text += chunk[..<Int(count)]
        }
        guard !text.isEmpty else { throw OpenSSLError("BIO_read of the PEM text", errorStrings: ["no bytes"]) }
        return text
    }
}
