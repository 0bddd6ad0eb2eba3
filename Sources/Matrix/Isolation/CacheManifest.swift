import COpenSSL
import Foundation
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// What a runtime or worker folder in the cache held when tlsprobe fetched or built it:
/// the size and SHA-256 of every regular file and the target of every link, kept in the
/// folder as `.tlsprobe-manifest`.
///
/// The cache is executed (a runtime's loader and libraries, a worker), often as root.
/// `FolderTrust` makes sure nobody else can change it; this makes sure that what runs is
/// what was fetched (apt checked it against the signed index) or built: a file truncated
/// by a full disk, patched by hand or replaced by a wrapper is found before anything in the
/// folder runs, instead of showing up as a worker dying of SIGBUS or as a foreign version.
/// Hashes are taken in-process with this binary's own libcrypto (no helper to trust), and
/// files are read through descriptors that refuse links and never block (a FIFO is not a file).
package struct CacheManifest: Codable, Sendable, Equatable {
    /// The manifest's name in the folder it describes; it does not list itself.
    package static let fileName = ".tlsprobe-manifest"
    /// A runtime's manifest lists a few thousand files: anything far larger is not one.
    static let maximumBytes = 16 << 20
    /// Deeper than any fetched package or worker folder; a bound on the walk all the same.
    static let maximumDepth = 64

    package struct File: Codable, Sendable, Equatable {
        /// Relative to the folder.
        package let path: String
        package let size: Int
        /// Lowercase hex.
        package let sha256: String
    }

    package struct Link: Codable, Sendable, Equatable {
        /// Relative to the folder.
        package let path: String
        /// What `readlink` said when it was recorded; it resolved inside the folder.
        package let target: String
    }

    /// 1; a manifest of another format is treated as damage (the folder is made again).
    package let format: Int
    package let files: [File]
    package let links: [Link]

    /// Records `folder` as it is now. Throws for anything that a verified folder must not
    /// hold: a link that leads out of the folder (or nowhere), a FIFO, a socket, a device.
    package static func record(_ folder: String) throws(EnvironmentError) -> CacheManifest {
        guard let resolved = realpath(folder, nil) else {
            throw EnvironmentError("cannot resolve \(folder): \(ErrnoName.describe(errno))")
        }
        let real = String(cString: resolved)
        free(resolved)
        var files: [File] = []
        var links: [Link] = []
        do {
            try walk(real) { relative, directory, name, status throws(Problem) in
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    return
                case S_IFREG:
                    let (size, sha256) = try digest(directory, name, shown: relative, expectedSize: nil)
                    files.append(File(path: relative, size: size, sha256: sha256))
                case S_IFLNK:
                    let target = try readLink(directory, name, shown: relative)
                    guard let leads = realpath(real + "/" + relative, nil) else {
                        throw Problem(relative, " is a link to \(target), which leads nowhere")
                    }
                    let destination = String(cString: leads)
                    free(leads)
                    guard destination.hasPrefix(real + "/") else {
                        throw Problem(relative, " is a link that leads out of the folder, to \(destination)")
                    }
                    links.append(Link(path: relative, target: target))
                default:
                    throw Problem(relative, " is \(kind(status.st_mode)), not a file, a folder or a link")
                }
            }
        } catch {
            throw EnvironmentError("cannot record the files of \(real): \(error.line(in: real))")
        }
        return CacheManifest(format: 1, files: files, links: links)
    }

    /// Removes every link below `folder` that leads out of it or nowhere, and returns their
    /// paths. Debian's packages hold a few absolute links (bookworm's `lib64/ld-linux-x86-64.so.2`
    /// → `/lib/…`): unpacked into a folder that is no root, they point at the host's files.
    /// tlsprobe reaches a runtime's libraries only through the links it makes itself, so these
    /// are of no use, and a folder that is recorded must lead nowhere else.
    package static func removeLinksLeaving(_ folder: String) throws(EnvironmentError) -> [String] {
        guard let resolved = realpath(folder, nil) else {
            throw EnvironmentError("cannot resolve \(folder): \(ErrnoName.describe(errno))")
        }
        let real = String(cString: resolved)
        free(resolved)
        var removed: [String] = []
        do {
            try walk(real) { relative, directory, name, status throws(Problem) in
                guard status.st_mode & S_IFMT == S_IFLNK else { return }
                if let leads = realpath(real + "/" + relative, nil) {
                    let inside = String(cString: leads).hasPrefix(real + "/")
                    free(leads)
                    if inside { return }
                }
                guard unlinkat(directory, name, 0) == 0 else { throw Problem(relative, " cannot be removed: \(ErrnoName.describe(errno))") }
                removed.append(relative)
            }
        } catch {
            throw EnvironmentError("cannot tidy \(real): \(error.line(in: real))")
        }
        return removed
    }

    /// Writes the manifest as `folder/.tlsprobe-manifest`, a new file (never through a link,
    /// never over one already there): `folder` is the private folder a fetch or build just filled.
    package func write(into folder: String) throws(EnvironmentError) {
        let path = folder + "/" + Self.fileName
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(self))
        } catch {
            throw EnvironmentError("cannot encode the manifest of \(folder): \(error)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EnvironmentError("cannot create \(path): \(ErrnoName.describe(errno))") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw EnvironmentError("cannot write \(path): \(ErrnoName.describe(errno))") }
            offset += written
        }
    }

    /// `nil` when `folder` holds exactly what its manifest says: every listed file there, a
    /// regular file of the recorded size and SHA-256, every listed link with its target, and no
    /// other file or link with `.so` in its name (a library the loader could pick up). Otherwise
    /// the first difference, one line naming the file: `/…/libcrypto.so.3: SHA-256 1a2b…, not the recorded 3c4d…`.
    /// A folder without a manifest (an older tlsprobe's) is damaged too: nothing vouches for it.
    package static func damage(in folder: String) -> String? {
        let manifest: CacheManifest
        switch read(folder) {
        case .success(let read): manifest = read
        case .failure(let problem): return problem.line(in: folder)
        }
        guard manifest.format == 1 else { return "\(folder)/\(fileName): format \(manifest.format), which this tlsprobe does not know" }
        var files = Dictionary(manifest.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var links = Dictionary(manifest.links.map { ($0.path, $0.target) }, uniquingKeysWith: { first, _ in first })
        do {
            try walk(folder) { relative, directory, name, status throws(Problem) in
                let type = status.st_mode & S_IFMT
                if let file = files.removeValue(forKey: relative) {
                    guard type == S_IFREG else { throw Problem(relative, " is \(kind(status.st_mode)), not the file recorded") }
                    let (_, sha256) = try digest(directory, name, shown: relative, expectedSize: file.size)
                    guard sha256 == file.sha256 else {
                        throw Problem(relative, ": SHA-256 \(sha256.prefix(16))…, not the recorded \(file.sha256.prefix(16))…")
                    }
                } else if let target = links.removeValue(forKey: relative) {
                    guard type == S_IFLNK else {
                        throw Problem(relative, " is \(kind(status.st_mode)) where a link to \(target) was recorded")
                    }
                    let now = try readLink(directory, name, shown: relative)
                    guard now == target else { throw Problem(relative, " links to \(now), not to the recorded \(target)") }
                } else if type != S_IFDIR && name.contains(".so") {
                    throw Problem(relative, " is \(kind(status.st_mode)) that the manifest does not list")
                }
            }
        } catch {
            return error.line(in: folder)
        }
        if let missing = (Array(files.keys) + Array(links.keys)).sorted().first {
            return "\(folder)/\(missing) is missing"
        }
        return nil
    }

    /// The folder's manifest, read through a descriptor that refuses a link, a FIFO and a huge file.
    private static func read(_ folder: String) -> Result<CacheManifest, Problem> {
        let descriptor = open(folder + "/" + fileName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            return .failure(Problem(fileName, code == ENOENT ? " is missing: no manifest of the folder's files (made by an older tlsprobe, or by hand)"
                                                             : " cannot be opened: \(ErrnoName.describe(code))"))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            return .failure(Problem(fileName, " is not a regular file"))
        }
        guard status.st_size <= maximumBytes else { return .failure(Problem(fileName, " is \(status.st_size) bytes, far more than a manifest")) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failure(Problem(fileName, " cannot be read: \(ErrnoName.describe(errno))")) }
            if count == 0 { break }
            bytes += buffer[..<count]
            guard bytes.count <= maximumBytes else { return .failure(Problem(fileName, " grew past \(maximumBytes) bytes while read")) }
        }
        do {
            return .success(try JSONDecoder().decode(CacheManifest.self, from: Data(bytes)))
        } catch {
            return .failure(Problem(fileName, " is not a manifest tlsprobe wrote"))
        }
    }

    /// Why a folder could not be recorded or does not match: the entry (relative to the
    /// folder; empty for the folder itself) and what is wrong with it.
    struct Problem: Error {
        let path: String
        let detail: String
        init(_ path: String, _ detail: String) {
            self.path = path
            self.detail = detail
        }

        /// `/cache/…/trixie/libssl.so.3 is missing`.
        package func line(in folder: String) -> String { (path.isEmpty ? folder : folder + "/" + path) + detail }
    }

    /// Calls `visit` for every entry below `folder`, in name order, never following a link:
    /// with the entry's path relative to `folder`, the descriptor of the folder holding it,
    /// its name there, and its `lstat`. Folders are entered through descriptors opened with
    /// `O_NOFOLLOW`, so a folder swapped for a link is a link, not a way out. The manifest
    /// itself is left out.
    private static func walk(_ folder: String,
                             _ visit: (_ relative: String, _ directory: Int32, _ name: String, _ status: stat) throws(Problem) -> Void) throws(Problem) {
        let top = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard top >= 0 else { throw Problem("", " cannot be opened: \(ErrnoName.describe(errno))") }
        try walk(top, prefix: "", depth: 0, visit)
    }

    /// Walks the open folder `descriptor` (and closes it).
    private static func walk(_ descriptor: Int32, prefix: String, depth: Int,
                             _ visit: (String, Int32, String, stat) throws(Problem) -> Void) throws(Problem) {
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            throw Problem(prefix, " cannot be listed: \(ErrnoName.describe(errno))")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." || (prefix.isEmpty && name == fileName) { continue }
            names.append(name)
        }
        for name in names.sorted() {
            let relative = prefix.isEmpty ? name : prefix + "/" + name
            var status = stat()
            guard fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw Problem(relative, " cannot be examined: \(ErrnoName.describe(errno))")
            }
            if status.st_mode & S_IFMT == S_IFDIR {
                guard depth < maximumDepth else { throw Problem(relative, " lies more than \(maximumDepth) folders deep") }
                let inner = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard inner >= 0 else { throw Problem(relative, " cannot be opened: \(ErrnoName.describe(errno))") }
                try visit(relative, descriptor, name, status)
                try walk(inner, prefix: relative, depth: depth + 1, visit)
            } else {
                try visit(relative, descriptor, name, status)
            }
        }
    }

    /// The size and SHA-256 (this process's libcrypto, EVP) of the regular file `name` in
    /// `directory`. With `expectedSize`, a file of another size is reported before any hashing.
    private static func digest(_ directory: Int32, _ name: String, shown: String,
                               expectedSize: Int?) throws(Problem) -> (size: Int, sha256: String) {
        let descriptor = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Problem(shown, " cannot be opened: \(ErrnoName.describe(errno))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw Problem(shown, " is \(kind(status.st_mode)), not a regular file")
        }
        let size = Int(status.st_size)
        if let expectedSize, size != expectedSize {
            throw Problem(shown, " is \(size) bytes, not the recorded \(expectedSize)")
        }
        guard let context = EVP_MD_CTX_new() else { throw Problem(shown, ": libcrypto cannot make a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { throw Problem(shown, ": libcrypto has no SHA-256") }
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Problem(shown, " cannot be read: \(ErrnoName.describe(errno))") }
            if count == 0 { break }
            total += count
            guard buffer.withUnsafeBytes({ EVP_DigestUpdate(context, $0.baseAddress, count) }) == 1 else {
                throw Problem(shown, ": SHA-256 failed")
            }
        }
        guard total == size else { throw Problem(shown, " changed while it was read (\(total) bytes, not \(size))") }
        var hash = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &hash, &length) == 1, length == 32 else { throw Problem(shown, ": SHA-256 failed") }
        let hex = hash.prefix(32).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return (size, hex)
    }

    /// What the link `name` in `directory` says.
    private static func readLink(_ directory: Int32, _ name: String, shown: String) throws(Problem) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(directory, name, &buffer, buffer.count - 1)
        guard count >= 0 else { throw Problem(shown, " cannot be read as a link: \(ErrnoName.describe(errno))") }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `a link`, `a FIFO`, … for messages.
    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a file"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a link"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR, S_IFBLK: "a device"
        default: "something unknown"
        }
    }
}
