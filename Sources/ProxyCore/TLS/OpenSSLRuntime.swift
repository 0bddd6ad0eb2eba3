internal import CLinux
internal import COpenSSL

/// Facts about the OpenSSL this process compiled against and the one it really loaded.
///
/// They differ whenever a binary built on one distribution runs with another
/// libssl, which is exactly when the 3.2 regression surprises people.
public struct OpenSSLRuntime: Sendable, Codable, Equatable {
    public var headerVersionText: String
    public var headerVersionNumber: UInt
    public var runtimeVersionText: String
    public var runtimeVersionNumber: UInt
    /// The file the dynamic loader really mapped libssl from.
    public var libsslPath: String?
    public var libcryptoPath: String?
    /// Whether a fresh `BIO_s_socket()` BIO has a non-NULL data pointer:
    /// the OpenSSL 3.2 change that breaks BIOs storing their own data there.
    public var socketBIOOwnsData: Bool
    /// Whether `BIO_connect(…, BIO_SOCK_TFO)` exists (OpenSSL 3.2 and later).
    public var nativeTFO: Bool

    /// The runtime of this process, measured once.
    public static let current = OpenSSLRuntime.measure()

    // OPENSSL_VERSION_NUMBER is 0xMNN00PP0 since 3.0, and was 0xMNNFFPPS before:
    // 1.1.1w is 0x1010117f (fix 1, patch letter 0x17 = 'w').
    public var runtimeMajor: UInt { runtimeVersionNumber >> 28 }
    public var runtimeMinor: UInt { (runtimeVersionNumber >> 20) & 0xff }
    /// The third number: the patch since 3.0 (`3.0.19`), the fix before (`1.1.1`).
    public var runtimePatch: UInt { runtimeMajor >= 3 ? (runtimeVersionNumber >> 4) & 0xff : (runtimeVersionNumber >> 12) & 0xff }
    /// `3.0.19`, `1.1.1w`: the numeric runtime version as text.
    public var runtimeVersion: String {
        let letter = (runtimeVersionNumber >> 4) & 0xff
        let suffix = runtimeMajor < 3 && (1...26).contains(letter) ? String(UnicodeScalar(UInt8(0x60 + letter))) : ""
        return "\(runtimeMajor).\(runtimeMinor).\(runtimePatch)\(suffix)"
    }

    static func measure() -> OpenSSLRuntime {
        let number = UInt(OpenSSL_version_num())
        let major = number >> 28
        let minor = (number >> 20) & 0xff
        return OpenSSLRuntime(
            headerVersionText: String(cString: tlsprobe_header_version_text()),
            headerVersionNumber: UInt(tlsprobe_header_version_number()),
            runtimeVersionText: String(cString: OpenSSL_version(OPENSSL_VERSION)),
            runtimeVersionNumber: number,
            libsslPath: tlsprobe_loaded_path(tlsprobe_libssl_symbol()).map { String(cString: $0) },
            libcryptoPath: tlsprobe_loaded_path(tlsprobe_libcrypto_symbol()).map { String(cString: $0) },
            socketBIOOwnsData: socketBIODataPointerIsSet(),
            nativeTFO: major > 3 || (major == 3 && minor >= 2)
        )
    }

    /// The 3.2 change itself, observed rather than inferred from a version number.
    static func socketBIODataPointerIsSet() -> Bool {
        guard let bio = BIO_new(BIO_s_socket()) else { return false }
        defer { BIO_free(bio) }
        return BIO_get_data(bio) != nil
    }

}
