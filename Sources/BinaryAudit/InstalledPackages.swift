import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which installed package owns a file found in a folder audit (`/usr/lib`,
/// `/usr/bin`): what a packager files the finding against, read from dpkg's own
/// database (`/var/lib/dpkg/status` and `info/*.list`) in Swift, without running
/// dpkg-query once per file.
///
/// Only the files audited are looked for, so memory stays with them whatever the
/// number of packages installed; every read is bounded (`byteLimit` in all), and a
/// database that is missing, unreadable or too large leaves the files without an
/// owner, never fails the audit. On a merged-/usr system dpkg may list a file under
/// `/lib/…` that the audit reached as `/usr/lib/…`: both names are looked for.
struct InstalledPackages {
    /// dpkg's database; a test or a chroot could point elsewhere.
    var root = "/var/lib/dpkg"
    /// At most this much is read from the database in all: a real one is a few tens of MB.
    var byteLimit = 512 << 20

    /// The owning package of each path in `paths` that dpkg knows, by that path.
    func owners(of paths: Set<String>) -> [String: DebianPackageInfo] {
        guard !paths.isEmpty else { return [:] }
        var budget = byteLimit
        guard let status = read(root + "/status", budget: &budget) else { return [:] }
        let installed = Self.installed(status)
        guard !installed.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: root + "/info") else { return [:] }
        // The names dpkg may list a wanted file under, each pointing back to the path audited.
        var wanted: [String: String] = [:]
        for path in paths {
            wanted[path] = path
            let alias = String(path.dropFirst(4))
            if path.hasPrefix("/usr/") && wanted[alias] == nil { wanted[alias] = path }
        }
        var found: [String: DebianPackageInfo] = [:]
        for name in names.sorted() where name.hasSuffix(".list") {
            let key = String(name.dropLast(".list".count))
            guard let info = installed[key] ?? installed[String(key.split(separator: ":").first ?? "")] else { continue }
            guard let list = read(root + "/info/" + name, budget: &budget) else { continue }
            for line in list.split(separator: UInt8(ascii: "\n")) {
                guard let first = line.first, first == UInt8(ascii: "/"),
                      let path = wanted[String(decoding: line, as: UTF8.self)], found[path] == nil else { continue }
                found[path] = info
            }
            if found.count == paths.count { break }
        }
        return found
    }

    /// Installed packages from `status`, by `name` and by `name:arch` (the `.list` file
    /// of a Multi-Arch: same package is named so).
    static func installed(_ status: [UInt8]) -> [String: DebianPackageInfo] {
        var packages: [String: DebianPackageInfo] = [:]
        let text = String(decoding: status, as: UTF8.self)
        for stanza in text.components(separatedBy: "\n\n") {
            var statusField = ""
            var fields = ""
            for line in stanza.split(separator: "\n") where !line.hasPrefix(" ") {
                if line.hasPrefix("Status:") {
                    statusField = String(line)
                } else if line.hasPrefix("Package:") || line.hasPrefix("Version:") || line.hasPrefix("Architecture:") || line.hasPrefix("Source:") {
                    fields += line + "\n"
                }
            }
            guard statusField.hasSuffix(" installed"), let info = DebianPackageInfo.parse(fields) else { continue }
            // A package installed for several architectures is Multi-Arch: same, whose lists
            // are always `name:arch.list`; a bare `name.list` is a package installed once.
            packages["\(info.name):\(info.architecture)"] = info
            if packages[info.name] == nil { packages[info.name] = info }
        }
        return packages
    }

    /// The whole file, if it fits what is left of `budget` (then taken from it).
    private func read(_ path: String, budget: inout Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= budget else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            done += count
        }
        budget -= done
        return Array(bytes.prefix(done))
    }
}
