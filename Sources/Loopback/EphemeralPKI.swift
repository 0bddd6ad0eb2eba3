import COpenSSL
import ProxyCore

/// A throwaway certificate authority and a server leaf it signed, made in
/// memory at start-up: ECDSA P-256, SANs IP:127.0.0.1, IP:::1, DNS:localhost.
///
/// Nothing touches disk, so no key outlives the process; and because the
/// client trusts only this CA, every probe really verifies the chain.
package struct EphemeralPKI: Sendable {
    package let caCertificate: Certificate
    /// Kept to issue client certificates (`issueClientCertificate`); never leaves memory either.
    package let caKey: PrivateKey
    package let leafCertificate: Certificate
    package let leafKey: PrivateKey

    package static func generate(name: String = "tlsprobe ephemeral CA") throws -> EphemeralPKI {
        let caKey = try PrivateKey.generateP256()
        let ca = try makeCertificate(commonName: name, key: caKey, issuer: nil, issuerKey: caKey, extensions: [
            (NID_basic_constraints, "critical,CA:TRUE"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
        ])
        let leafKey = try PrivateKey.generateP256()
        let leaf = try makeCertificate(commonName: "tlsprobe loopback server", key: leafKey, issuer: ca, issuerKey: caKey, extensions: [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth"),
            (NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        return EphemeralPKI(caCertificate: ca, caKey: caKey, leafCertificate: leaf, leafKey: leafKey)
    }

    /// A client certificate this CA signed (`clientAuth`), and its key: what a proxy presents
    /// to an origin that asks for one, for the tests of `ClientCertificate`.
    package func issueClientCertificate(commonName: String = "tlsprobe test proxy") throws -> (Certificate, PrivateKey) {
        try Self.issueClient(commonName: commonName, issuer: caCertificate, issuerKey: caKey)
    }

    /// A client certificate signed by an intermediate CA this CA signed: the leaf, its key, and
    /// the intermediate a proxy must send along (`ClientCertificate.chain`).
    package func issueClientCertificateThroughIntermediate(commonName: String = "tlsprobe test proxy")
        throws -> (certificate: Certificate, key: PrivateKey, intermediate: Certificate) {
        let intermediateKey = try PrivateKey.generateP256()
        let intermediate = try Self.makeCertificate(commonName: "tlsprobe intermediate CA", key: intermediateKey, issuer: caCertificate,
                                                    issuerKey: caKey, extensions: [
            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
            (NID_key_usage, "critical,keyCertSign,cRLSign"),
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        let (certificate, key) = try Self.issueClient(commonName: commonName, issuer: intermediate, issuerKey: intermediateKey)
        return (certificate, key, intermediate)
    }

    private static func issueClient(commonName: String, issuer: Certificate, issuerKey: PrivateKey) throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generateP256()
        let certificate = try makeCertificate(commonName: commonName, key: key, issuer: issuer, issuerKey: issuerKey, extensions: [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "clientAuth"),
            (NID_authority_key_identifier, "keyid:always"),
        ])
        return (certificate, key)
    }

    /// A v3 certificate for `key`, valid from an hour ago for a day, signed by `issuerKey`
    /// (self-signed when `issuer` is nil).
    private static func makeCertificate(commonName: String, key: PrivateKey, issuer: Certificate?, issuerKey: PrivateKey,
                                        extensions: [(Int32, String)]) throws -> Certificate {
        guard let x509 = X509_new() else { throw OpenSSLError("X509_new") }
        let certificate = Certificate(taking: x509)
        var serial: UInt32 = 0
        guard withUnsafeMutableBytes(of: &serial, { RAND_bytes($0.baseAddress, 4) }) == 1 else { throw OpenSSLError("RAND_bytes") }
        guard X509_set_version(x509, 2) == 1,
              ASN1_INTEGER_set(X509_get_serialNumber(x509), Int(serial & 0x7fff_ffff) | 1) == 1,
              X509_gmtime_adj(X509_getm_notBefore(x509), -3600) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), 86400) != nil,
              X509_set_pubkey(x509, key.pointer) == 1 else { throw OpenSSLError("X509 fields") }
        guard let subject = X509_get_subject_name(x509),
              X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1 else {
            throw OpenSSLError("X509_NAME_add_entry_by_txt")
        }
        let issuerName = issuer.map { X509_get_subject_name($0.pointer) } ?? subject
        guard X509_set_issuer_name(x509, issuerName) == 1 else { throw OpenSSLError("X509_set_issuer_name") }

        var context = X509V3_CTX()
        tlsprobe_X509V3_set_ctx_nodb(&context)
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else { throw OpenSSLError("X509V3_EXT_conf_nid(\(value))") }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw OpenSSLError("X509_add_ext") }
        }
        guard X509_sign(x509, issuerKey.pointer, EVP_sha256()) > 0 else { throw OpenSSLError("X509_sign") }
        return certificate
    }
}
