internal import COpenSSLCore

/// The TLS versions tlsprobe speaks.
public enum TLSVersion: String, Sendable, Codable, CaseIterable {
    /// TLS 1.2: the lowest ProxyCore speaks.
    case tls12 = "TLSv1.2"
    /// TLS 1.3.
    case tls13 = "TLSv1.3"

    package var protocolNumber: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}
