/// One process of the program as the observer found it: which OpenSSL it really
/// loaded, read inside the process (the loader's list of objects and `OpenSSL_version`).
package struct ObservedProcess: Sendable, Codable, Equatable {
    package var pid: Int32
    /// `/proc/self/exe` of the process.
    package var executable: String?
    /// Every libssl the process had mapped (normally one).
    package var libssl: [String]
    /// Every libcrypto it had mapped.
    package var libcrypto: [String]
    /// `OpenSSL_version(OPENSSL_VERSION)`, when libcrypto was loaded: `OpenSSL 3.5.4 30 Sep 2025`.
    package var openSSLVersion: String?

    package init(pid: Int32, executable: String? = nil, libssl: [String] = [], libcrypto: [String] = [], openSSLVersion: String? = nil) {
        self.pid = pid
        self.executable = executable
        self.libssl = libssl
        self.libcrypto = libcrypto
        self.openSSLVersion = openSSLVersion
    }
}
