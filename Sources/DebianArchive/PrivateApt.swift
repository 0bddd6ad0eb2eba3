import Foundation
import ProcessKit
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// The host's own apt-get run with a configuration of tlsprobe's, for one Debian
/// mirror and its suites: what fetches runtimes (`RuntimeFetcher`) and the packages an
/// audit names by query (`PackageFetcher`).
///
/// - apt runs with a private configuration (`APT_CONFIG`: its own sources list, state,
///   lists and cache in `folder`; none of the host's sources, keys, pins, configuration
///   parts or hooks; a proxy comes from `http_proxy` as for any apt), so apt itself checks
///   the suite's `InRelease` signature against the Debian archive keyring only, refuses an
///   index past its `Valid-Until` (unless `maxIndexAgeDays` allows it), and checks every
///   downloaded file's size and hash against that signed index;
/// - its errors are one line: apt's own words, and what they mean (an unreachable mirror,
///   a suite it does not serve, a signature that fails, an index past its `Valid-Until`).
///
/// Only the `main` component is read: the packages runtimes and audits name are there.
package struct PrivateApt: Sendable {
    /// Holds `etc/`, `state/`, `lists/` and `cache/`; made by `prepare`.
    package let folder: String
    package let mirror: DebianMirror
    /// The suites whose indexes `update` fetches.
    package let suites: [String]
    /// dpkg's name: `amd64`, `arm64`, …
    package var architecture: String
    /// Days after signing an index is accepted past its `Valid-Until` (apt's `Min-ValidTime`); `nil`: never.
    package var maxIndexAgeDays: Int?

    package static let aptGet = "/usr/bin/apt-get"
    /// The Debian archive's signing keys, from Debian's (and Ubuntu's) `debian-archive-keyring` package.
    package static let keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    /// An index download and a few packages: minutes at worst, on a slow mirror.
    package static let aptSeconds = 600.0

    package init(folder: String, mirror: DebianMirror, suites: [String], architecture: String = "amd64", maxIndexAgeDays: Int? = nil) {
        self.folder = folder
        self.mirror = mirror
        self.suites = suites
        self.architecture = architecture
        self.maxIndexAgeDays = maxIndexAgeDays
    }

    /// Where `update` leaves the verified indexes (`InRelease`, `Packages`).
    package var lists: String { folder + "/lists" }
    private var configuration: String { folder + "/etc/apt.conf" }

    /// apt-get and the keyring, or which package installs what is missing.
    package static func checkTools(also extra: [(path: String, package: String)] = []) throws(EnvironmentError) {
        for (tool, package) in [(aptGet, "apt"), (keyring, "debian-archive-keyring")] + extra
        where !FileManager.default.fileExists(atPath: tool) {
            throw EnvironmentError("\(tool) is missing (apt-get install \(package))")
        }
    }

    /// Makes the configuration in `folder` (written anew; lists an earlier run left there, as in an
    /// `IndexCacheFolder`, are kept for apt to check) and lets apt's download user write
    /// `downloads`, folders of the caller's that `download` fills.
    package func prepare(downloads: [String] = []) throws(EnvironmentError) {
        for sub in ["lists/partial", "cache/archives/partial", "state", "etc/sources.list.d", "etc/preferences.d",
                    "etc/trusted.gpg.d", "etc/apt.conf.d"] {
            try Self.make(folder + "/" + sub)
        }
        // A folder kept between runs holds the last run's files: each is written anew.
        for file in ["/state/status", "/etc/sources.list", "/etc/apt.conf"] { unlink(folder + file) }
        try Self.write("", to: folder + "/state/status")
        let sources = suites.map { "deb [signed-by=\(Self.keyring)] \(mirror.url) \($0) main\n" }.joined()
        try Self.write(sources, to: folder + "/etc/sources.list")
        try Self.write(options.map { "\($0);\n" }.joined(), to: configuration)
        // apt drops root to _apt for downloads: let it write where it downloads.
        if geteuid() == 0, let user = getpwnam("_apt") {
            for path in [folder + "/lists/partial", folder + "/cache/archives/partial"] + downloads {
                chown(path, user.pointee.pw_uid, 0)
            }
        }
    }

    /// `apt-get update`: the suites' signed indexes, each checked, into `lists`.
    package func update() throws(EnvironmentError) {
        try run(["update"], directory: folder, seconds: Self.aptSeconds)
    }

    /// `apt-get download` of `names` (`NAME`, `NAME/SUITE` or `NAME=VERSION`) into
    /// `directory`, each file's hash checked by apt against the signed index.
    package func download(_ names: [String], into directory: String, seconds: Double = aptSeconds) throws(EnvironmentError) {
        try run(["download"] + names, directory: directory, seconds: seconds)
    }

    /// apt's configuration: everything it reads or writes lies in `folder`, and nothing relaxes its checks.
    private var options: [String] {
        let grace = maxIndexAgeDays.map { ["Acquire::Min-ValidTime \"\($0 * 86400)\""] } ?? []
        return grace + [
            "Dir::Etc::Main \"\(folder)/etc/apt.conf\"",
            "Dir::Etc::Parts \"\(folder)/etc/apt.conf.d\"",
            "Dir::Etc::SourceList \"\(folder)/etc/sources.list\"",
            "Dir::Etc::SourceParts \"\(folder)/etc/sources.list.d\"",
            "Dir::Etc::Preferences \"\(folder)/etc/preferences\"",
            "Dir::Etc::PreferencesParts \"\(folder)/etc/preferences.d\"",
            "Dir::Etc::Trusted \"\(folder)/etc/trusted.gpg\"",
            "Dir::Etc::TrustedParts \"\(folder)/etc/trusted.gpg.d\"",
            "Dir::State \"\(folder)/state\"",
            "Dir::State::Lists \"\(folder)/lists\"",
            "Dir::State::status \"\(folder)/state/status\"",
            "Dir::Cache \"\(folder)/cache\"",
            "Debug::NoLocking \"true\"",
            "APT::Architecture \"\(architecture)\"",
            "APT::Architectures { \"\(architecture)\"; }",
            "Acquire::Languages { \"none\"; }",
            "Acquire::AllowInsecureRepositories \"false\"",
            "Acquire::AllowDowngradeToInsecureRepositories \"false\"",
            "Acquire::Check-Valid-Until \"true\"",
            "APT::Get::AllowUnauthenticated \"false\"",
        ]
    }

    private func run(_ command: [String], directory: String, seconds: Double) throws(EnvironmentError) {
        var environment = ProcessInfo.processInfo.environment
        environment["APT_CONFIG"] = configuration
        environment["LC_ALL"] = "C"
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        let run: ScriptRun
        do {
            run = try ScriptRun.run([Self.aptGet, "-q"] + command, environment: environment, directory: directory, seconds: seconds)
        } catch {
            throw EnvironmentError("cannot start apt-get: \(error)")
        }
        // apt-get update exits 0 when a source failed with only a warning: an index it could
        // not fetch or verify shows up as such a line, and then no package is found.
        guard run.succeeded, !Self.problems(in: run).contains(where: { $0.hasPrefix("W: ") }) else {
            throw EnvironmentError(failure(run, command: command[0], seconds: seconds))
        }
    }

    /// apt's error lines, and the warnings that mean an index was not fetched or not trusted.
    private static func problems(in run: ScriptRun) -> [String] {
        let lines = (run.stderrLines + run.stdout.split(separator: "\n").map(String.init)).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.filter { $0.hasPrefix("E: ") || $0.hasPrefix("Err:") || $0.hasPrefix("W: Failed to fetch") || $0.hasPrefix("W: GPG error") }.uniqued()
    }

    /// apt's own reason, with what it means: an unreachable mirror, a suite it does not serve, a bad signature.
    private func failure(_ run: ScriptRun, command: String, seconds: Double) -> String {
        if run.timedOut { return "apt-get \(command) took more than \(Int(seconds)) s (mirror \(mirror.url))" }
        let reasons = Self.problems(in: run)
        let said = reasons.isEmpty ? run.stderrLines.suffix(2).joined(separator: " ") : reasons.prefix(2).joined(separator: " ")
        let text = said.replacingOccurrences(of: "\t", with: " ")
        var meaning = ""
        // apt says `404  Not Found`; a bare "404" could be part of the mirror's port or address.
        if text.contains("404  Not Found") || text.contains("404 Not Found") || text.contains("does not have a Release file") {
            meaning = "the mirror has no suite \(suites.joined(separator: " or ")); "
        } else if text.contains("Could not connect") || text.contains("Could not resolve") || text.contains("Temporary failure resolving")
                    || text.contains("Connection refused") || text.contains("Connection failed") || text.contains("timed out") {
            meaning = "the mirror cannot be reached; "
        } else if text.contains("NO_PUBKEY") || text.contains("not signed") || text.contains("EXPKEYSIG") || text.contains("BADSIG")
                    || text.contains("is not valid yet") || text.contains("expired") {
            meaning = text.contains("expired")
                ? "the mirror's signed index is past its Valid-Until (a stale mirror, or a replay); accept a mirror you trust with --max-index-age DAYS; "
                : "the mirror's index fails apt's signature check; "
        }
        return "\(meaning)apt-get \(command) said: \(text)"
    }

    /// `path` and what is missing above it, mode 0755 (apt's download user must reach it).
    package static func make(_ path: String) throws(EnvironmentError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw EnvironmentError("cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// A new file (never through a link: the folder is the caller's private one).
    package static func write(_ text: String, to path: String) throws(EnvironmentError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EnvironmentError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw EnvironmentError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
