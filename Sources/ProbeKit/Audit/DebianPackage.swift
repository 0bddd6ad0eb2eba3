import Foundation
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// A `.deb` given to `tlsprobe audit`: unpacked with `dpkg-deb -x` into a
/// private folder of its own (`mkdtemp`, mode 0700), audited there like any
/// tree, and removed afterwards. Nothing is installed and no maintainer script runs.
enum DebianPackage {
    /// One package's unpacking may take this long before dpkg-deb is killed.
    static let deadlineSeconds = 300.0

    /// A path given that names a package: by its extension (so that a corrupt
    /// `.deb` is reported as one, not skipped as "not ELF"), or by its content,
    /// an `ar` archive whose first member is `debian-binary`.
    static func isPackage(_ path: String) -> Bool {
        if path.hasSuffix(".deb") || path.hasSuffix(".udeb") || path.hasSuffix(".ddeb") { return true }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let magic = Array("!<arch>\ndebian-binary".utf8)
        var head = [UInt8](repeating: 0, count: magic.count)
        return pread(descriptor, &head, head.count, 0) == head.count && head == magic
    }

    /// Unpacks `path` into a new private folder and returns the folder; the caller
    /// removes it with `remove(_:)`. A package dpkg-deb refuses is an `InputError`
    /// carrying dpkg-deb's own words, and leaves no folder behind.
    static func unpack(_ path: String) throws(InputError) -> String {
        guard let dpkgDeb = executable("dpkg-deb") else {
            throw InputError(source: path, message: "cannot unpack: dpkg-deb is not installed (Debian's dpkg package)")
        }
        var template = Array(FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-audit-XXXXXX").path.utf8CString)
        guard mkdtemp(&template) != nil else {
            throw InputError(source: path, message: "cannot make a folder to unpack it into: \(ErrnoName.describe(errno))")
        }
        let folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        do {
            let child = try ChildProcess(arguments: [dpkgDeb, "--extract", path, folder], environment: environment)
            let reader = LineReader(child: child)
            let deadline = Deadline.after(seconds: deadlineSeconds)
            var timedOut = false
            reading: while true {
                switch reader.next(until: deadline) {
                case .line: continue
                case .end: break reading
                case .timedOut:
                    timedOut = true
                    child.kill()
                    break reading
                }
            }
            let termination = child.wait()
            reader.drainStderr()
            guard !timedOut else {
                throw InputError(source: path, message: "dpkg-deb --extract took longer than \(Int(deadlineSeconds)) s and was killed")
            }
            guard termination == .exited(0) else {
                let said = reader.stderrTail
                throw InputError(source: path, message: "not a package dpkg-deb can unpack (\(termination)): \(said.isEmpty ? "no message" : said)")
            }
        } catch let error as InputError {
            remove(folder)
            throw error
        } catch {
            remove(folder)
            throw InputError(source: path, message: "cannot start dpkg-deb: \(error)")
        }
        return folder
    }

    /// Removes an unpacked folder, making its folders writable first if a
    /// package's modes (a read-only folder) would stop an unprivileged user.
    static func remove(_ folder: String) {
        if (try? FileManager.default.removeItem(atPath: folder)) != nil { return }
        if let walk = FileManager.default.enumerator(atPath: folder) {
            chmod(folder, 0o700)
            while let relative = walk.nextObject() as? String {
                let path = folder + "/" + relative
                var info = stat()
                if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { chmod(path, 0o700) }
            }
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The first executable `name` on `PATH`, else in the usual system folders.
    private static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        return folders.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
