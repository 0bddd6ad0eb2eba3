import BIOPatterns
import MatrixModel
import ProxyCore

/// The names a mode goes by for the people who read a verdict: a proxy maintainer knows
/// "ATS ≤ 9.2.4's fast-open BIO", not `legacy-fastopen`. The mode's own name follows in
/// parentheses wherever a report uses these, so either can be searched for.
package enum DesignName {
    /// `ATS ≤ 9.2.4 fast-open BIO`, `plug-in ats-9.2.4`, `tlsprobe's fix`. Exhaustive over the
    /// reproductions and strategies: a new one does not compile until readers can name it.
    package static func of(_ mode: BIOMode) -> String {
        switch mode {
        case .reproduction(let reproduction):
            switch reproduction {
            case .legacyFastOpen: "ATS ≤ 9.2.4 fast-open BIO"
            case .nulledFastOpen: "ATS PR 11501 first revision"
            case .socketConnAddress: "BIO_set_conn_address on a plain socket BIO"
            case .appDataPointer: "PostgreSQL ≤ 16.1 record in BIO data"
            }
        case .strategy(let strategy):
            switch strategy {
            case .fd: "SSL_set_fd"
            case .filterFastOpen: "fast-open filter BIO over the socket BIO"
            case .nativeTFO: "OpenSSL's BIO_SOCK_TFO"
            case .fastOpenConnect: "TCP_FASTOPEN_CONNECT with SSL_set_fd"
            }
        case .reference(let design):
            switch design {
            case .exDataFastOpen: "fast-open BIO with its state in ex_data (ATS ≥ 9.2.5)"
            }
        case .proxyCore: "tlsprobe's fix"
        case .plugin(let name): "plug-in \(name)"
        }
    }

    /// `ATS ≤ 9.2.4 fast-open BIO (legacy-fastopen)`.
    package static func labelled(_ mode: BIOMode) -> String {
        "\(of(mode)) (\(mode.rawValue))"
    }
}
