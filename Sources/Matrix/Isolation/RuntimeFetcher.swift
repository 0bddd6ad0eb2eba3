import Foundation
import Glibc
import MatrixModel
import ProcessKit
import ToolCore
#if canImport(Glibc)
#endif

/// Fetches a Debian line's OpenSSL into a folder, with the host's own apt and
/// dpkg and nothing of tlsprobe's source tree:
///
/// - apt runs with a private configuration (`APT_CONFIG`: its own sources list, state,
///   lists and cache in the folder being made; none of the host's sources, keys, pins,
///   configuration parts or hooks; a proxy comes from `http_proxy` as for any apt), so
///   apt itself checks the suite's `InRelease` signature against the Debian archive
///   keyring only, refuses an index past its `Valid-Until`, and checks every file's hash;
/// - `dpkg-deb -x` unpacks each package into `root/`;
/// - the shared objects get relative links at the top, so one `--library-path`
///   finds them all and the folder can be moved; `include/` and `pkgconfig/`
///   (with `${pcfiledir}`-relative prefixes) serve a worker build against it;
/// - the folder's own loader lists what libssl needs, and every library must
///   resolve inside the folder (only a folder without a loader takes glibc from the host).
///
/// The caller makes the folder in a private place and renames it into the cache
/// only when this returns: an interrupted fetch leaves nothing a later run trusts.
struct RuntimeFetcher {
    let line: OpenSSLLine
    let mirror: DebianMirror
    /// Days after signing an index is accepted past its `Valid-Until` (apt's `Min-ValidTime`); `nil`: never.
    var maxIndexAgeDays: Int?
    /// Told of each step, for the progress line.
    var step: (String) -> Void = { _ in }

    static let aptGet = "/usr/bin/apt-get"
    static let dpkgDeb = "/usr/bin/dpkg-deb"
    /// The Debian archive's signing keys, from Debian's (and Ubuntu's) `debian-archive-keyring` package.
    static let keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    static let loaderName = RuntimeLauncher.loaderName
    /// An index download and a few packages: minutes at worst, on a slow mirror.
    static let aptSeconds = 600.0

    /// Fills `folder` (an empty folder of the caller's). Its errors are one line: what failed,
    /// in apt's words, and what that means (the caller names the suite, the mirror and `--mirror`).
    func fetch(into folder: String) throws(EnvironmentError) {
        for (tool, package) in [(Self.aptGet, "apt"), (Self.dpkgDeb, "dpkg"), (Self.keyring, "debian-archive-keyring")]
        where !FileManager.default.fileExists(atPath: tool) {
            throw EnvironmentError("\(tool) is missing (apt-get install \(package))")
        }
        let apt = folder + "/.apt"
        let debs = folder + "/.debs"
        for sub in ["lists/partial", "cache/archives/partial", "state", "etc/sources.list.d", "etc/preferences.d",
                    "etc/trusted.gpg.d", "etc/apt.conf.d"] {
            try make(apt + "/" + sub)
        }
        try make(debs)
        try write("", to: apt + "/state/status")
        let sources = line.suites.map { "deb [signed-by=\(Self.keyring)] \(mirror.url) \($0) main\n" }.joined()
        try write(sources, to: apt + "/etc/sources.list")
        try write(options(apt).map { "\($0);\n" }.joined(), to: apt + "/etc/apt.conf")
        // apt drops root to _apt for downloads: let it write where it downloads.
        if geteuid() == 0, let user = getpwnam("_apt") {
            for path in [apt + "/lists/partial", apt + "/cache/archives/partial", debs] { chown(path, user.pointee.pw_uid, 0) }
        }

        step("fetching OpenSSL \(line.series) (Debian \(line.rawValue)) from \(mirror.url)")
        try runApt(["update"], configuration: apt + "/etc/apt.conf", directory: folder)
        let names = line.packages.map { "\($0.name)/\($0.suite)" }
        try runApt(["download"] + names, configuration: apt + "/etc/apt.conf", directory: debs)

        let files = ((try? FileManager.default.contentsOfDirectory(atPath: debs)) ?? []).filter { $0.hasSuffix(".deb") }.sorted()
        var versions: [String] = []
        for package in line.packages {
            guard let file = files.first(where: { $0.hasPrefix(package.name + "_") }) else {
                throw EnvironmentError("apt downloaded no \(package.name) from \(package.suite)")
            }
            let deb = debs + "/" + file
            let shown = try run([Self.dpkgDeb, "--show", "--showformat=${Package} ${Version}\\n", deb], what: "dpkg-deb --show \(file)")
            versions.append(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            _ = try run([Self.dpkgDeb, "-x", deb, folder + "/root"], what: "dpkg-deb -x \(file)")
        }
        try? FileManager.default.removeItem(atPath: apt)
        try? FileManager.default.removeItem(atPath: debs)
        try write(versions.joined(separator: "\n") + "\n", to: folder + "/VERSION")
        try layOut(folder)
        try checkResolution(folder)
        step("ready: \(versions.first ?? line.rawValue)")
    }

    /// apt's configuration: everything it reads or writes lies in `apt`, and nothing relaxes its checks.
    private func options(_ apt: String) -> [String] {
        let grace = maxIndexAgeDays.map { ["Acquire::Min-ValidTime \"\($0 * 86400)\""] } ?? []
        return grace + [
            "Dir::Etc::Main \"\(apt)/etc/apt.conf\"",
            "Dir::Etc::Parts \"\(apt)/etc/apt.conf.d\"",
            "Dir::Etc::SourceList \"\(apt)/etc/sources.list\"",
            "Dir::Etc::SourceParts \"\(apt)/etc/sources.list.d\"",
            "Dir::Etc::Preferences \"\(apt)/etc/preferences\"",
            "Dir::Etc::PreferencesParts \"\(apt)/etc/preferences.d\"",
            "Dir::Etc::Trusted \"\(apt)/etc/trusted.gpg\"",
            "Dir::Etc::TrustedParts \"\(apt)/etc/trusted.gpg.d\"",
            "Dir::State \"\(apt)/state\"",
            "Dir::State::Lists \"\(apt)/lists\"",
            "Dir::State::status \"\(apt)/state/status\"",
            "Dir::Cache \"\(apt)/cache\"",
            "Debug::NoLocking \"true\"",
            "APT::Architecture \"amd64\"",
            "APT::Architectures { \"amd64\"; }",
            "Acquire::Languages { \"none\"; }",
            "Acquire::AllowInsecureRepositories \"false\"",
            "Acquire::AllowDowngradeToInsecureRepositories \"false\"",
            "Acquire::Check-Valid-Until \"true\"",
            "APT::Get::AllowUnauthenticated \"false\"",
        ]
    }

    private func runApt(_ command: [String], configuration: String, directory: String) throws(EnvironmentError) {
        var environment = ProcessInfo.processInfo.environment
        environment["APT_CONFIG"] = configuration
        environment["LC_ALL"] = "C"
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        let run: ScriptRun
        do {
            run = try ScriptRun.run([Self.aptGet, "-q"] + command, environment: environment,
                                    directory: directory, seconds: Self.aptSeconds)
        } catch {
            throw EnvironmentError("cannot start apt-get: \(error)")
        }
        // apt-get update exits 0 when a source failed with only a warning: an index it could
        // not fetch or verify shows up as such a line, and then no package is found.
        guard run.succeeded, !Self.problems(in: run).contains(where: { $0.hasPrefix("W: ") }) else {
            throw EnvironmentError(aptFailure(run, command: command[0]))
        }
    }

    /// apt's error lines, and the warnings that mean an index was not fetched or not trusted.
    private static func problems(in run: ScriptRun) -> [String] {
        let lines = (run.stderrLines + run.stdout.split(separator: "\n").map(String.init)).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.filter { $0.hasPrefix("E: ") || $0.hasPrefix("Err:") || $0.hasPrefix("W: Failed to fetch") || $0.hasPrefix("W: GPG error") }.uniqued()
    }

    /// apt's own reason, with what it means: an unreachable mirror, a suite it does not serve, a bad signature.
    private func aptFailure(_ run: ScriptRun, command: String) -> String {
        if run.timedOut { return "apt-get \(command) took more than \(Int(Self.aptSeconds)) s (mirror \(mirror.url))" }
        let reasons = Self.problems(in: run)
        let said = reasons.isEmpty ? run.stderrLines.suffix(2).joined(separator: " ") : reasons.prefix(2).joined(separator: " ")
        let text = said.replacingOccurrences(of: "\t", with: " ")
        var meaning = ""
        if text.contains("404") || text.contains("does not have a Release file") {
            meaning = "the mirror has no suite \(line.suites.joined(separator: " or ")); "
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

    private func run(_ arguments: [String], what: String) throws(EnvironmentError) -> ScriptRun {
        let result: ScriptRun
        do {
            result = try ScriptRun.run(arguments, environment: ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                                       seconds: Self.aptSeconds)
        } catch {
            throw EnvironmentError("cannot start \(arguments[0]): \(error)")
        }
        guard result.succeeded else {
            throw EnvironmentError("\(what) failed (\(result.termination)): \(result.stderrLines.suffix(2).joined(separator: " "))")
        }
        return result
    }

    /// Links to every shared object at the top (bookworm ships libc in /lib, later
    /// suites in /usr/lib; the first found wins), `include/`, and `pkgconfig/`.
    private func layOut(_ folder: String) throws(EnvironmentError) {
        let manager = FileManager.default
        for directory in ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"] {
            let path = folder + "/root/" + directory
            let names = ((try? manager.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for name in names where name.contains(".so.") || name == Self.loaderName {
                let link = folder + "/" + name
                guard (try? manager.attributesOfItem(atPath: link)) == nil else { continue }
                do {
                    try manager.createSymbolicLink(atPath: link, withDestinationPath: "root/\(directory)/\(name)")
                } catch {
                    throw EnvironmentError("cannot link \(name): \(error.localizedDescription)")
                }
            }
        }
        guard manager.fileExists(atPath: folder + "/root/usr/include/openssl/ssl.h") else {
            throw EnvironmentError("\(line.rawValue)'s libssl-dev holds no include/openssl/ssl.h")
        }
        do {
            try manager.createSymbolicLink(atPath: folder + "/include", withDestinationPath: "root/usr/include")
        } catch {
            throw EnvironmentError("cannot link include/: \(error.localizedDescription)")
        }
        try make(folder + "/pkgconfig")
        for name in ["openssl", "libssl", "libcrypto"] {
            let source = "\(folder)/root/usr/lib/x86_64-linux-gnu/pkgconfig/\(name).pc"
            guard let text = try? String(contentsOfFile: source, encoding: .utf8) else {
                throw EnvironmentError("\(line.rawValue)'s libssl-dev has no \(name).pc")
            }
            // The folder is found through ${pcfiledir}, so it can move; the multiarch folder holds
            // opensslconf.h/configuration.h, which a compiler finds there only for the system's own headers.
            let rewritten = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                if line.hasPrefix("prefix=") { return "prefix=${pcfiledir}/../root/usr" }
                if line.hasPrefix("Cflags:") { return "Cflags: -I${includedir} -I${includedir}/x86_64-linux-gnu" }
                return String(line)
            }.joined(separator: "\n")
            try write(rewritten, to: "\(folder)/pkgconfig/\(name).pc")
        }
    }

    /// Every library libssl needs resolves inside the folder, or the runtime would
    /// silently mix in the host's; a folder without its own loader takes only glibc from the host.
    private func checkResolution(_ folder: String) throws(EnvironmentError) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        guard let libssl = names.filter({ $0.hasPrefix("libssl.so.") }).sorted().first else {
            throw EnvironmentError("the unpacked packages hold no libssl.so.*")
        }
        let suffix = libssl.dropFirst("libssl.so.".count)
        guard names.contains("libcrypto.so.\(suffix)") else { throw EnvironmentError("the unpacked packages hold no libcrypto.so.\(suffix)") }
        let loader = folder + "/" + Self.loaderName
        let ownLoader = FileManager.default.fileExists(atPath: loader)
        let arguments = ownLoader ? [loader, "--library-path", folder, "--list", folder + "/" + libssl]
                                  : ["/lib64/" + Self.loaderName, "--library-path", folder, "--list", folder + "/" + libssl]
        let listing = try run(arguments, what: "the loader's --list of \(libssl)").stdout
        let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        let hostGlibc = ["libc.so.6", "libpthread.so.0", "libdl.so.2", Self.loaderName]
        for entry in listing.split(separator: "\n") {
            let words = entry.split(whereSeparator: \.isWhitespace).map(String.init)
            if words.contains("not") && words.contains("found") { throw EnvironmentError("\(libssl) needs \(words.first ?? "?"), which is not found") }
            guard let path = words.count >= 3 && words[1] == "=>" ? words[2] : words.first.flatMap({ $0.hasPrefix("/") ? $0 : nil }) else { continue }
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            if resolved.hasPrefix(real + "/") { continue }
            if !ownLoader, hostGlibc.contains(URL(fileURLWithPath: path).lastPathComponent) { continue }
            throw EnvironmentError("\(path) resolves outside the runtime folder: \(resolved)")
        }
    }

    private func make(_ path: String) throws(EnvironmentError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw EnvironmentError("cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// A new file (never through a link: the folder is the caller's fresh private one).
    private func write(_ text: String, to path: String) throws(EnvironmentError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EnvironmentError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw EnvironmentError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
