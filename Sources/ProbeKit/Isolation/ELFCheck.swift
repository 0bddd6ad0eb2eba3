import CElf
import CLinux
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads an ELF header far enough to refuse a library this process cannot load:
/// not a regular file, not ELF, not 64-bit, or built for another architecture.
///
/// The header is read through libelf, as `ELFReader` reads everything else, and
/// the path is opened as `RegularFile` does: a FIFO named `libssl.so.3` in a
/// runtime folder is refused at once instead of blocking the run forever.
package enum ELFCheck {
    package static func problem(with path: String) -> String? {
        let file: RegularFile
        do {
            file = try RegularFile(path: path)
        } catch {
            return error.reason.hasPrefix("cannot open: ") ? "cannot be read: \(error.reason.dropFirst("cannot open: ".count))" : error.reason
        }
        guard ELFReader.libelfReady else { return "cannot be read: libelf refused ELF version \(EV_CURRENT)" }
        guard let elf = elf_begin(file.descriptor, ELF_C_READ, nil) else { return "not an ELF file" }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { return "not an ELF file" }
        var header = GElf_Ehdr()
        guard gelf_getclass(elf) == ELFCLASS64, file.size >= UInt64(MemoryLayout<Elf64_Ehdr>.size),
              gelf_getehdr(elf, &header) != nil else { return "not a 64-bit ELF file" }
        guard header.e_machine == tlsprobe_EM_HOST else {
            return "built for another architecture (ELF machine \(header.e_machine), this host is \(tlsprobe_EM_HOST))"
        }
        return nil
    }
}
