#if canImport(Glibc)
import Glibc
#endif

/// Reads a certificate or key file whole, bounded: a path given by configuration may
/// name anything (a device, a huge file), and nothing is parsed until it is read.
enum CredentialFile {
    /// A CA bundle is a few hundred KiB; anything over 16 MiB is not a credential.
    static let maximumSize = 16 << 20

    static func read(_ path: String) throws(CredentialError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CredentialError(.unreadableFile(errno: errno), source: path) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw CredentialError(.unreadableFile(errno: errno), source: path) }
        // A directory reads as EISDIR below; a FIFO or device is refused here rather than waited on.
        guard status.st_mode & S_IFMT == S_IFREG else { throw CredentialError(.unreadableFile(errno: EINVAL), source: path) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw CredentialError(.unreadableFile(errno: errno), source: path)
            }
            bytes += chunk.prefix(count)
            guard bytes.count <= maximumSize else { throw CredentialError(.fileTooLarge(bytes: Int(status.st_size)), source: path) }
        }
    }
}
