import MatrixModel
import ToolCore

/// The findings of one mechanism across every runtime it holds for: a report
/// says each mechanism once, naming its runtimes, instead of once per runtime.
package struct FindingGroup: Sendable, Equatable {
    package var mechanism: Finding.Mechanism
    /// The plug-in whose cells show it; `nil` for tlsprobe's own modes.
    package var plugin: BIOMode? = nil
    /// The findings, one per runtime, in the report's runtime order.
    package var findings: [Finding]

    /// What the mechanism is, without a version: the findings' titles add it.
    package var headline: String {
        if let plugin { return "\(plugin.rawValue): \(pluginHeadline)" }
        return switch mechanism {
        case .dataPointerRegression: "Legacy fast-open BIO fails TFO-off connections"
        case .pointerOverwritten: "Legacy fast-open BIO overwrites OpenSSL's data pointer"
        case .migrationTrap: "BIO_set_conn_address on a plain socket BIO does not connect"
        case .pointerNulled: "A NULL conn address leaks OpenSSL's struct when TFO is off"
        case .recordOverwritten: "OpenSSL overwrites and frees the record kept in BIO data"
        }
    }

    /// A plug-in's mechanism, as its own cells show it.
    private var pluginHeadline: String {
        switch mechanism {
        case .dataPointerRegression: "its first sendto passes address length 0 (OpenSSL's struct taken for the destination)"
        case .pointerOverwritten: "OpenSSL's data pointer overwritten: OpenSSL frees or leaks through it"
        case .migrationTrap: "BIO_set_conn_address on a plain socket BIO does not connect"
        case .pointerNulled: "a NULL conn address leaks OpenSSL's struct"
        case .recordOverwritten: "its own state in BIO data damaged (tlsprobe_plugin_check)"
        }
    }

    /// `advice` in a few words, for the short text report.
    package var briefAdvice: String {
        if plugin != nil { return "keep the plug-in's state in ex_data or a filter BIO; SSL_set_fd if no TFO" }
        return switch mechanism {
        case .dataPointerRegression: "keep the destination in ex_data or a filter BIO; SSL_set_fd if no TFO"
        case .pointerOverwritten: "never BIO_set_data on a socket-method BIO; keep state in ex_data"
        case .pointerNulled: "keep the destination in ex_data; SSL_set_fd when TFO is off"
        case .migrationTrap: "connect() (TCP_FASTOPEN_CONNECT) before SSL_set_fd, or BIO_SOCK_TFO"
        case .recordOverwritten: "keep the record in BIO_set_app_data or ex_data, not BIO_set_data"
        }
    }

    /// What the author of a proxy (or of any program with its own BIO) does about it, in
    /// OpenSSL's terms: they cannot act on what tlsprobe's fix does, only on their own code.
    package var advice: String {
        // A plug-in's advice names the runtimes it was probed on: the author's to act on there.
        if plugin != nil {
            return "On \(runtimes.map(PathShortener.shorten).joined(separator: ", ")), whose socket BIO owns the data pointer of every BIO whose create is BIO_s_socket()'s: keep the plug-in's state in BIO ex_data (BIO_get_ex_new_index, BIO_set_ex_data) or in the data pointer of a filter BIO of its own pushed over BIO_s_socket(), never in BIO_set_data of a BIO that borrows the socket BIO's create, ctrl or destroy; when TFO is not wanted, hand the socket over with SSL_set_fd. Working examples: examples/bio-plugins (exdata-fastopen.c, filter-fastopen.c)."
        }
        return switch mechanism {
        case .dataPointerRegression:
            "Keep the destination in BIO ex_data (BIO_get_ex_new_index, BIO_set_ex_data: what ATS ≥ 9.2.5 does) or in the data pointer of a filter BIO of your own over BIO_s_socket(), never in BIO_set_data of a BIO with the socket BIO's methods; with TFO off use SSL_set_fd and no BIO of your own. Working examples: examples/bio-plugins/exdata-fastopen.c and filter-fastopen.c."
        case .pointerOverwritten:
            "OpenSSL 3.2+ owns the data pointer of any BIO whose create is BIO_s_socket()'s: never BIO_set_data on it. Keep your state in ex_data or in a filter BIO of your own; for TFO, TCP_FASTOPEN_CONNECT on the socket before SSL_set_fd, or BIO_connect(…, BIO_SOCK_TFO) (OpenSSL 3.2+). Examples: examples/bio-plugins."
        case .pointerNulled:
            "BIO_set_conn_address(bio, NULL) on such a BIO replaces OpenSSL's pointer with NULL: keep the destination in BIO ex_data instead, and use SSL_set_fd when TFO is off. Example: examples/bio-plugins/exdata-fastopen.c."
        case .migrationTrap:
            "A socket BIO never connects by itself: connect() first (with TCP_FASTOPEN_CONNECT on Linux for TFO) and hand the socket over with SSL_set_fd, or let OpenSSL connect with BIO_s_connect() or BIO_connect(…, BIO_SOCK_TFO)."
        case .recordOverwritten:
            "Keep the application's record with BIO_set_app_data or BIO_set_ex_data (what PostgreSQL 16.2 does), never in BIO_set_data of a BIO that borrows the socket BIO's create, ctrl or destroy."
        }
    }

    package var runtimes: [String] { findings.map(\.runtime) }

    /// The explanations that differ (usually one: the mechanism is the same everywhere).
    package var explanations: [String] { findings.map(\.explanation).uniqued() }

    package var fixes: [String] { findings.map(\.fix).uniqued() }

    /// Groups `findings` by mechanism (and by plug-in: each plug-in's findings stand apart from
    /// tlsprobe's own modes'), in the order each first appears.
    package static func groups(_ findings: [Finding]) -> [FindingGroup] {
        var keys: [(Finding.Mechanism, BIOMode?)] = []
        for finding in findings where !keys.contains(where: { $0.0 == finding.mechanism && $0.1 == finding.plugin }) {
            keys.append((finding.mechanism, finding.plugin))
        }
        return keys.map { mechanism, plugin in
            FindingGroup(mechanism: mechanism, plugin: plugin,
                         findings: findings.filter { $0.mechanism == mechanism && $0.plugin == plugin })
        }
    }
}
