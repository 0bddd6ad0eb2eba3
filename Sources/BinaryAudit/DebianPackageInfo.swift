import Foundation
import ProcessKit
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Who a `.deb`'s files belong to, from the package's own control data: what a
/// packager files a bug against and a distribution's tracker is keyed by. The
/// `.deb`'s path says none of it reliably (a file may be named anything).
///
/// Read as a package is read: by default from the `./control` of its
/// `control.tar.*`, streamed by `ArchiveStream` (at most 64 KiB of it, parsed by
/// `parse`); with `--unpack` with `dpkg-deb --field` (`read`), under a deadline and
/// with its output bounded. A package is untrusted input either way, and a field of
/// a gigabyte must not grow this process.
package struct DebianPackageInfo: Sendable, Equatable, Codable {
    /// `Package`.
    package var name: String
    /// `Version`, epoch included (`1:2.3-4`).
    package var version: String
    /// `Architecture`: `amd64`, `all`.
    package var architecture: String
    /// The source package's name: `Source` without its version, or `Package` when the
    /// control data has no `Source` (Debian Policy 5.6.1: they are then the same).
    package var source: String
    /// The source package's version: the one in parentheses after `Source`
    /// (binNMUs, packages versioned apart from their source), else `Version`.
    package var sourceVersion: String
    /// `rpm` for an `.rpm`'s identity (`RPMHeader.packageInfo`); absent for a Debian package's.
    package var format: String?

    package init(name: String, version: String, architecture: String, source: String, sourceVersion: String, format: String? = nil) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.source = source
        self.sourceVersion = sourceVersion
        self.format = format
    }

    /// `.rpm` or `.deb`: what reports call the package file.
    package var fileKind: String { format == "rpm" ? ".rpm" : ".deb" }

    /// `libpq5 15.20-0+deb12u1`: how reports name the package.
    package var nameAndVersion: String { "\(name) \(version)" }

    /// The fields from `dpkg-deb --field PACKAGE Package Version Architecture Source`
    /// output (`Name: value` lines); `nil` when Package, Version or Architecture is missing.
    static func parse(_ text: String) -> DebianPackageInfo? {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            // Continuation lines (a folded field) start with a space; none of ours is folded.
            guard let first = line.first, first != " ", first != "\t", let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].lowercased()
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let name = fields["package"], !name.isEmpty, let version = fields["version"], !version.isEmpty,
              let architecture = fields["architecture"], !architecture.isEmpty else { return nil }
        var source = name, sourceVersion = version
        if let given = fields["source"], !given.isEmpty {
            // `postgresql-15 (15.20-0+deb12u1)`: the name, then optionally the version in parentheses.
            let parts = given.split(separator: " ", maxSplits: 1)
            source = String(parts[0])
            if parts.count == 2, parts[1].hasPrefix("("), parts[1].hasSuffix(")") {
                let inner = parts[1].dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if !inner.isEmpty { sourceVersion = inner }
            }
        }
        return DebianPackageInfo(name: name, version: version, architecture: architecture, source: source, sourceVersion: sourceVersion)
    }

    /// At most this much of dpkg-deb's answer is read: four one-line fields fit many times over.
    static let outputLimit = 64 << 10
    /// dpkg-deb decompresses only the control member: a few milliseconds for any real package.
    static let deadlineSeconds = 30.0

    /// The control data of the package at `path`, or why it could not be read. No shell:
    /// dpkg-deb runs as a guarded helper, killed past `deadlineSeconds` or `outputLimit`.
    static func read(_ path: String) -> Result<DebianPackageInfo, InputError> {
        func refuse(_ message: String) -> Result<DebianPackageInfo, InputError> { .failure(InputError(source: path, message: message)) }
        guard let dpkgDeb = DebianPackage.executable("dpkg-deb") else {
            return refuse("cannot read its control data: dpkg-deb is not installed (Debian's dpkg package)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        let child: ChildProcess
        do {
            child = try ChildProcess(arguments: [dpkgDeb, "--field", path, "Package", "Version", "Architecture", "Source"],
                                     environment: environment, guarded: true)
        } catch {
            return refuse("cannot start dpkg-deb: \(error)")
        }
        let deadline = Deadline.after(seconds: deadlineSeconds)
        var out: [UInt8] = [], errors = TarStreamRelay.Tail()
        var outOpen = true, errOpen = true, stopped: String?
        while outOpen || errOpen {
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 {
                stopped = "dpkg-deb took longer than \(Int(deadlineSeconds)) s to read its control data and was stopped"
                break
            }
            var fds = [pollfd(fd: outOpen ? child.stdout : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errOpen ? child.stderr : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, min(remaining, 1000))
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            if fds[0].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 16384)
                let count = Glibc.read(child.stdout, &chunk, chunk.count)
                if count > 0 {
                    out += chunk[..<count]
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    outOpen = false
                }
                if out.count > outputLimit {
                    stopped = "its control data is larger than \(outputLimit >> 10) KiB: not read"
                    break
                }
            }
            if fds[1].revents != 0 {
                // Tail.read drains the pipe; a hang-up then means dpkg-deb closed it.
                errors.read(from: child.stderr)
                if fds[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { errOpen = false }
            }
        }
        if let stopped {
            child.kill()
            child.wait()
            return refuse(stopped)
        }
        let termination = child.wait()
        guard termination == .exited(0) else {
            let said = errors.summary
            return refuse("dpkg-deb cannot read its control data (\(termination)): \(said.isEmpty ? "no message" : said)")
        }
        guard let info = parse(String(decoding: out, as: UTF8.self)) else {
            return refuse("its control data lacks Package, Version or Architecture")
        }
        return .success(info)
    }
}
