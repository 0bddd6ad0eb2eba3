import CLinux
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads an ELF header far enough to refuse a library this process cannot load:
/// not ELF, not 64-bit, or built for another architecture.
enum ELFCheck {
    static func problem(with path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "cannot be read: \(ErrnoName.describe(errno))" }
        defer { close(fd) }
        var header = Elf64_Ehdr()
        let count = withUnsafeMutableBytes(of: &header) { read(fd, $0.baseAddress, $0.count) }
        let ident = withUnsafeBytes(of: header.e_ident) { Array($0) }
        guard count >= Int(EI_NIDENT), ident.prefix(Int(SELFMAG)).elementsEqual(ELFMAG.utf8) else { return "not an ELF file" }
        guard ident[Int(EI_CLASS)] == ELFCLASS64, count == MemoryLayout<Elf64_Ehdr>.size else { return "not a 64-bit ELF file" }
        guard header.e_machine == tlsprobe_EM_HOST else {
            return "built for another architecture (ELF machine \(header.e_machine), this host is \(tlsprobe_EM_HOST))"
        }
        return nil
    }
}
