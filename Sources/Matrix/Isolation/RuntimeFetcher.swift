import DebianArchive
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
/// - apt runs with a private configuration in the folder being made (`PrivateApt`), so
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

    static let dpkgDeb = "/usr/bin/dpkg-deb"
    static let loaderName = RuntimeLauncher.loaderName
    static let aptSeconds = PrivateApt.aptSeconds

    /// Fills `folder` (an empty folder of the caller's). Its errors are one line: what failed,
    /// in apt's words, and what that means (the caller names the suite, the mirror and `--mirror`).
    func fetch(into folder: String) throws(EnvironmentError) {
        try PrivateApt.checkTools(also: [(Self.dpkgDeb, "dpkg")])
        let apt = PrivateApt(folder: folder + "/.apt", mirror: mirror, suites: line.suites, maxIndexAgeDays: maxIndexAgeDays)
        let debs = folder + "/.debs"
        try PrivateApt.make(debs)
        try apt.prepare(downloads: [debs])

        step("fetching OpenSSL \(line.series) (Debian \(line.rawValue)) from \(mirror.url)")
        try apt.update()
        try apt.download(line.packages.map { "\($0.name)/\($0.suite)" }, into: debs)

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
        try? FileManager.default.removeItem(atPath: apt.folder)
        try? FileManager.default.removeItem(atPath: debs)
        try PrivateApt.write(versions.joined(separator: "\n") + "\n", to: folder + "/VERSION")
        try layOut(folder)
        try checkResolution(folder)
        step("ready: \(versions.first ?? line.rawValue)")
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
        try PrivateApt.make(folder + "/pkgconfig")
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
            try PrivateApt.write(rewritten, to: "\(folder)/pkgconfig/\(name).pc")
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
}
