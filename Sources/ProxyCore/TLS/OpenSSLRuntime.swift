internal import CLinux
internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

/// Facts about the OpenSSL this process compiled against and the one it really loaded.
///
/// They differ whenever a binary built on one distribution runs with another
/// libssl, which is exactly when the 3.2 regression surprises people.
public struct OpenSSLRuntime: Sendable, Codable, Equatable {
    /// The headers' `OPENSSL_VERSION_TEXT`: what this binary was compiled against.
    public var headerVersionText: String
    /// The headers' `OPENSSL_VERSION_NUMBER`.
    public var headerVersionNumber: UInt
    /// What the loaded library says of itself (`OpenSSL_version(OPENSSL_VERSION)`).
    public var runtimeVersionText: String
    /// The loaded library's `OpenSSL_version_num()`.
    public var runtimeVersionNumber: UInt
    /// The file the dynamic loader really mapped libssl from.
    public var libsslPath: String?
    /// The file the dynamic loader really mapped libcrypto from.
    public var libcryptoPath: String?
    /// Whether a fresh `BIO_s_socket()` BIO has a non-NULL data pointer:
    /// the OpenSSL 3.2 change that breaks BIOs storing their own data there.
    public var socketBIOOwnsData: Bool
    /// Whether `BIO_connect(…, BIO_SOCK_TFO)` really asks the kernel for Fast Open
    /// (OpenSSL 3.2 and later do; older ones ignore the bit): measured, not inferred.
    public var nativeTFO: Bool

    /// The runtime of this process, measured once.
    public static let current = OpenSSLRuntime.measure()

    // OPENSSL_VERSION_NUMBER is 0xMNN00PP0 since 3.0, and was 0xMNNFFPPS before:
    // 1.1.1w is 0x1010117f (fix 1, patch letter 0x17 = 'w').
    /// The first number of the loaded version: 3 for 3.5.1.
    public var runtimeMajor: UInt { runtimeVersionNumber >> 28 }
    /// The second number of the loaded version: 5 for 3.5.1.
    public var runtimeMinor: UInt { (runtimeVersionNumber >> 20) & 0xff }
    /// The third number: the patch since 3.0 (`3.0.19`), the fix before (`1.1.1`).
    public var runtimePatch: UInt { runtimeMajor >= 3 ? (runtimeVersionNumber >> 4) & 0xff : (runtimeVersionNumber >> 12) & 0xff }
    /// `3.0.19`, `1.1.1w`: the numeric runtime version as text.
    public var runtimeVersion: String {
        let letter = (runtimeVersionNumber >> 4) & 0xff
        let suffix = runtimeMajor < 3 && (1...26).contains(letter) ? String(UnicodeScalar(UInt8(0x60 + letter))) : ""
        return "\(runtimeMajor).\(runtimeMinor).\(runtimePatch)\(suffix)"
    }

    /// The soname of the libssl this binary was compiled against (`libssl.so.3`): the ABI
    /// it can load. A library of another soname needs a binary built for it.
    package static let headerLibsslSoname = "libssl.so." + String(cString: proxycore_header_shlib_version())

    static func measure() -> OpenSSLRuntime {
        let number = UInt(OpenSSL_version_num())
        return OpenSSLRuntime(
            headerVersionText: String(cString: proxycore_header_version_text()),
            headerVersionNumber: UInt(proxycore_header_version_number()),
            runtimeVersionText: String(cString: OpenSSL_version(OPENSSL_VERSION)),
            runtimeVersionNumber: number,
            libsslPath: tlsprobe_loaded_path(proxycore_libssl_symbol()).map { String(cString: $0) },
            libcryptoPath: tlsprobe_loaded_path(proxycore_libcrypto_symbol()).map { String(cString: $0) },
            socketBIOOwnsData: socketBIODataPointerIsSet(),
            nativeTFO: bioConnectRequestsFastOpen()
        )
    }

    /// `BIO_SOCK_TFO` as the library treats it: OpenSSL 3.2+ sets `TCP_FASTOPEN_CONNECT`
    /// on the socket before it connects; a library without TFO support ignores the bit.
    /// Asked on a scratch socket whose connect to 127.0.0.1 port 0 is refused at once.
    static func bioConnectRequestsFastOpen() -> Bool {
        guard let peer = SocketAddress(family: .ipv4, host: "127.0.0.1", port: 0),
              let address = try? BIOAddress(peer) else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        _ = BIO_connect(fd, address.pointer, proxycore_BIO_SOCK_TFO)
        ERR_clear_error()
        var on: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, Int32(IPPROTO_TCP), tlsprobe_TCP_FASTOPEN_CONNECT, &on, &length) == 0 && on != 0
    }

    /// The 3.2 change itself, observed rather than inferred from a version number.
    static func socketBIODataPointerIsSet() -> Bool {
        guard let bio = BIO_new(BIO_s_socket()) else { return false }
        defer { BIO_free(bio) }
        return BIO_get_data(bio) != nil
    }

}
