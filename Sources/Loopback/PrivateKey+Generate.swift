import COpenSSL
import ProxyCore

extension PrivateKey {
    /// A fresh ECDSA P-256 key: cheap to make, so every run can have its own. Only the
    /// loopback PKI makes keys; a proxy loads its own (`PrivateKey(pemFile:)`).
    package static func generateP256() throws(OpenSSLError) -> PrivateKey {
        guard let key = tlsprobe_EVP_EC_gen("P-256") else { throw OpenSSLError("EVP_EC_gen(P-256)") }
        return PrivateKey(taking: key)
    }
}
