import CElf
import ELFInspection
import Foundation
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Which build of tlsprobe is running: its version and the linker's build id
/// (`NT_GNU_BUILD_ID`, read with libelf from the running executable).
///
/// The runtime cache is keyed by it, so two versions or two checkouts that
/// share `~/.cache/tlsprobe` never use, rebuild or replace each other's workers
/// and runtimes; a worker built for one parent is never started by another.
package struct BuildIdentity: Sendable, Equatable {
    package let version: String
    /// Hex digits; `nil` when the executable carries no build id.
    package let buildID: String?

    package init(version: String, buildID: String?) {
        self.version = version
        self.buildID = buildID
    }

    /// The build of the tlsprobe executable at `path`.
    package init(executable path: String) {
        self.init(version: ToolVersion.current, buildID: Self.buildID(of: path))
    }

    /// This process's build, read once.
    package static let current = BuildIdentity(version: ToolVersion.current,
                                                buildID: buildID(of: "/proc/self/exe"))

    /// The cache folder's name: `0.1.0-1a2b3c4d5e6f`, or `0.1.0-unknown` without a build id.
    package var key: String { "\(version)-\(buildID.map { String($0.prefix(16)) } ?? "unknown")" }

    /// The build id in `path`'s `SHT_NOTE` sections; `nil` when there is none or the file cannot be read.
    package static func buildID(of path: String) -> String? {
        guard ELFReader.libelfReady else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard let elf = elf_begin(descriptor, ELF_C_READ, nil) else { return nil }
        defer { elf_end(elf) }
        var section = elf_nextscn(elf, nil)
        while let current = section {
            section = elf_nextscn(elf, current)
            var header = GElf_Shdr()
            guard gelf_getshdr(current, &header) != nil, header.sh_type == UInt32(SHT_NOTE),
                  let data = elf_getdata(current, nil), let bytes = data.pointee.d_buf else { continue }
            var offset = 0
            while offset < data.pointee.d_size {
                var note = GElf_Nhdr()
                var nameOffset = 0, descriptionOffset = 0
                let next = gelf_getnote(data, offset, &note, &nameOffset, &descriptionOffset)
                guard next > offset else { break }
                offset = next
                let name = note.n_namesz == 4 ? String(decoding: UnsafeRawBufferPointer(start: bytes + nameOffset, count: 3), as: UTF8.self) : ""
                guard note.n_type == UInt32(NT_GNU_BUILD_ID), name == "GNU", note.n_descsz > 0,
                      descriptionOffset + Int(note.n_descsz) <= data.pointee.d_size else { continue }
                let id = UnsafeRawBufferPointer(start: bytes + descriptionOffset, count: Int(note.n_descsz))
                return id.map { String(format: "%02x", $0) }.joined()
            }
        }
        return nil
    }
}
