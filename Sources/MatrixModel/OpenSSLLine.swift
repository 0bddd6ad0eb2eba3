/// An OpenSSL line people run, as a Debian suite ships it: what `--runtime 4.0`
/// or `--runtime experimental` names. `RuntimeFetcher` fetches it on first use
/// into the runtime cache; everything the fetch needs to know about a line is here.
///
/// The series is only how users name a line; what a runtime is, its report
/// takes from the library the worker loaded, never from this table.
package enum OpenSSLLine: String, CaseIterable, Sendable, Hashable, Codable {
    /// Debian 11: OpenSSL 1.1.1 (`libssl.so.1.1`), what ATS 8/9 ran on for years.
    case bullseye
    /// Debian 12: OpenSSL 3.0 LTS, before the 3.2 change.
    case bookworm
    /// Debian 13: OpenSSL 3.5 LTS.
    case trixie
    /// Debian unstable: OpenSSL 3.6.
    case sid
    /// Debian experimental: OpenSSL 4.0 (`libssl.so.4`).
    case experimental

    /// The Debian suite whose OpenSSL this is (`trixie`), the line's name.
    package var suite: String { rawValue }

    /// The OpenSSL series the suite carries, the other name `--runtime` accepts.
    package var series: String {
        switch self {
        case .bullseye: "1.1.1"
        case .bookworm: "3.0"
        case .trixie: "3.5"
        case .sid: "3.6"
        case .experimental: "4.0"
        }
    }

    /// The soname of the suite's libssl, its ABI. A program built against one libssl
    /// soname cannot load another: where this is not the soname the tlsprobe binary was
    /// built for, the line runs a worker built for it (`RuntimeLauncher.needsWorker(abi:)`
    /// decides, and `tlsprobe runtime workers` tells the packaging which to build). The
    /// launcher goes by the fetched folder's own libssl; this is what the line is expected to hold.
    package var libsslSoname: String {
        switch self {
        case .bullseye: "libssl.so.1.1"
        case .bookworm, .trixie, .sid: "libssl.so.3"
        case .experimental: "libssl.so.4"
        }
    }

    /// One Debian package of a runtime, and the suite it comes from.
    package struct Package: Sendable, Hashable {
        package let suite: String
        package let name: String
    }

    /// What a runtime folder of this line is made of: libssl and its headers (a worker
    /// for another ABI is built against them), and the libc, loader, libzstd and zlib that
    /// libssl was built against, so the folder runs with its own libc. bullseye's 1.1.1
    /// needs only glibc ≥ 2.25 and a worker built on a newer host needs a newer libc than
    /// bullseye's 2.31, so that line takes the host's libc. experimental holds only
    /// what is newer than sid: the rest comes from sid.
    package var packages: [Package] {
        func from(_ suite: String, _ names: String...) -> [Package] { names.map { Package(suite: suite, name: $0) } }
        switch self {
        case .bullseye: return from("bullseye", "libssl1.1", "libssl-dev")
        // The worker also loads libcap, libelf and the C++ runtime; on a newer host (Debian 13)
        // the host's copies need a newer glibc than bookworm's, so the folder carries its own.
        case .bookworm: return from("bookworm", "libssl3", "libssl-dev", "libc6", "libzstd1", "zlib1g",
                                    "libcap2", "libelf1", "libstdc++6", "libgcc-s1")
        // libssl3t64: renamed by the 64-bit time_t transition.
        case .trixie, .sid: return from(rawValue, "libssl3t64", "libssl-dev", "libc6", "libzstd1", "zlib1g")
        case .experimental: return from("experimental", "libssl4", "libssl-dev") + from("sid", "libc6", "libzstd1", "zlib1g")
        }
    }

    /// The suites whose indexes the fetch reads.
    package var suites: [String] { packages.map(\.suite).uniqued() }

    /// A suite's name or its series: `trixie` or `3.5`.
    package init?(name: String) {
        guard let line = Self.allCases.first(where: { $0.suite == name || $0.series == name }) else { return nil }
        self = line
    }

    /// Every name `--runtime` takes for a line, suites first.
    package static var names: [String] { allCases.map(\.suite) + allCases.map(\.series) }

    /// The suites and the series, as the help lists them: `bullseye|…|experimental`, `1.1.1|…|4.0`.
    package static var suiteList: String { allCases.map(\.suite).joined(separator: "|") }
    package static var seriesList: String { allCases.map(\.series).joined(separator: "|") }
}
