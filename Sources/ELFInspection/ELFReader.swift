import CElf
import CLinux
import Foundation
import ProxyCore
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads the evidence `tlsprobe audit` needs from one ELF file through elfutils'
/// libelf: the dynamic section, the dynamic and static symbol tables, the GNU
/// symbol versions, the dynamic relocations, and (only for a file that carries
/// OpenSSL inside) its read-only data for a version string.
///
/// libelf is opened with `ELF_C_READ`, which reads a section only when asked for
/// it (with `pread`, never `mmap`: a file truncated while it is read is then an
/// error, not a SIGBUS). So a file costs its headers, its symbol tables and, when
/// it imports a BIO symbol of interest, its relocations; never its code. A member
/// of a package read as a stream is already in memory: `read(image:)` hands it to
/// libelf with `elf_memory`, and the same checks (against the image's length) apply.
///
/// Anything that does not hold together (a header or section past the end of the
/// file, an invalid class, a table libelf refuses) is thrown as `UnreadableFile` with
/// the reason, and becomes that file's `error`.
package final class ELFReader {
    /// What reading one path gave.
    package enum Result: Sendable {
        /// Not an ELF file (no `\x7FELF` magic): skipped and counted, never an error.
        case notELF
        case elf(ELFFile)
        /// An ELF file, or a path, that cannot be read, and why.
        case unreadable(String)
    }

    /// How far a read goes: the header is enough to tell whether this process could load the file,
    /// the notes name the build; the audit needs everything.
    package enum Depth: Sendable {
        case header, buildID, everything
    }

    /// libelf's once-per-process handshake on the ELF version; a Swift global is
    /// initialised exactly once, whichever reader thread gets there first.
    package static let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    /// The imports that decide a class: the socket BIO, the method constructor and
    /// its create setter, every method getter, and both places a BIO keeps state.
    static func isRelevantImport(_ name: String) -> Bool {
        name.hasPrefix("BIO_meth_get_") || relevantImports.contains(name)
    }

    private static let relevantImports: Set<String> = [
        "BIO_s_socket", "BIO_meth_new", "BIO_meth_set_create",
        "BIO_set_data", "BIO_get_data", "BIO_get_ex_data", "BIO_set_ex_data",
    ]

    /// Defining any of these means OpenSSL's BIO code is inside the file.
    static let embeddedMarkers: Set<String> = [
        "BIO_new", "BIO_free", "BIO_ctrl", "BIO_s_socket", "BIO_meth_new", "BIO_meth_get_create", "BIO_set_data", "BIO_get_data",
    ]

    /// Reads `path`, as far as `depth` asks.
    ///
    /// Never traps and never blocks, whatever the bytes: a path that is not a
    /// regular file (a FIFO named `libssl.so.3`) or a file whose offsets, sizes
    /// or counts do not fit inside it is `unreadable`, with the reason.
    package static func read(path: String, depth: Depth = .everything) -> Result {
        let file: RegularFile
        do {
            file = try RegularFile(path: path)
        } catch {
            return .unreadable(error.reason)
        }
        return read(file, depth: depth)
    }

    /// Reads an open regular file.
    static func read(_ file: borrowing RegularFile, depth: Depth = .everything) -> Result {
        var ident = [UInt8](repeating: 0, count: Int(EI_NIDENT))
        let count = pread(file.descriptor, &ident, ident.count, 0)
        guard count >= 0 else { return .unreadable("cannot read: \(ErrnoName.describe(errno))") }
        if let refused = identify(ident.prefix(count), size: file.size) { return refused }
        do {
            let reader = try ELFReader(descriptor: file.descriptor, size: file.size)
            return .elf(try reader.inspect(depth))
        } catch {
            return .unreadable(error.reason)
        }
    }

    /// Reads an ELF image held in memory (a member of a package read as a stream), with
    /// libelf's `elf_memory` and the same checks as a file: every offset and size the
    /// image states is checked against its length, and the bytes of all sections read
    /// together may not exceed it. `image` is only borrowed for the call: libelf's
    /// handle is ended before this returns. libelf may convert the image in place
    /// (a file of the other byte order), hence `inout`.
    package static func read(image: inout [UInt8], depth: Depth = .everything) -> Result {
        if let refused = identify(image.prefix(Int(EI_NIDENT)), size: UInt64(image.count)) { return refused }
        return image.withUnsafeMutableBytes { bytes -> Result in
            guard let base = bytes.baseAddress else { return .notELF }
            do throws(UnreadableFile) {
                let reader = try ELFReader(image: base, size: bytes.count)
                return .elf(try reader.inspect(depth))
            } catch {
                return .unreadable(error.reason)
            }
        }
    }

    /// What the identification bytes alone decide: not ELF, or an ELF file libelf
    /// would only say it cannot read (the bytes say why); `nil` to go on.
    private static func identify(_ ident: ArraySlice<UInt8>, size: UInt64) -> Result? {
        guard ident.count >= 4, ident.prefix(4).elementsEqual([0x7F, 0x45, 0x4C, 0x46]) else { return .notELF }
        let elfClass = ident.count > Int(EI_CLASS) ? ident[ident.startIndex + Int(EI_CLASS)] : 0
        let byteOrder = ident.count > Int(EI_DATA) ? ident[ident.startIndex + Int(EI_DATA)] : 0
        let headerSize = elfClass == ELFCLASS32 ? MemoryLayout<Elf32_Ehdr>.size : MemoryLayout<Elf64_Ehdr>.size
        if ident.count < Int(EI_NIDENT) || size < UInt64(headerSize) {
            return .unreadable("truncated: \(size) bytes, less than an ELF header")
        }
        guard elfClass == ELFCLASS32 || elfClass == ELFCLASS64 else {
            return .unreadable("invalid ELF class \(elfClass) (e_ident[EI_CLASS] is neither ELFCLASS32 nor ELFCLASS64)")
        }
        guard byteOrder == ELFDATA2LSB || byteOrder == ELFDATA2MSB else {
            return .unreadable("invalid byte order \(byteOrder) (e_ident[EI_DATA] is neither little- nor big-endian)")
        }
        guard libelfReady else { return .unreadable("libelf refused ELF version \(EV_CURRENT)") }
        return nil
    }

    /// Why this process could not load the library or program at `path` (not a
    /// regular file, not ELF, not 64-bit, built for another architecture); `nil`
    /// when it could. Reads the header only, and never blocks on a FIFO.
    package static func loadProblem(path: String) -> String? {
        switch read(path: path, depth: .header) {
        case .notELF:
            return "not an ELF file"
        case .unreadable(let reason):
            return reason.hasPrefix("cannot open: ") ? "cannot be read: \(reason.dropFirst("cannot open: ".count))" : reason
        case .elf(let file):
            guard file.bits == 64 else { return "not a 64-bit ELF file" }
            guard file.machineCode == tlsprobe_EM_HOST else {
                return "built for another architecture (ELF machine \(file.machineCode.map(String.init) ?? "?"), this host is \(tlsprobe_EM_HOST))"
            }
            return nil
        }
    }

    /// The symbols `path` defines in its dynamic symbol table whose names contain `needle`, at
    /// most `limit` of them, in table order; empty for a file that is not ELF or cannot be read.
    ///
    /// What the plug-in checks ask when `dlsym` finds no `tlsprobe_plugin_new_bio`: a C++
    /// plug-in compiled without `extern "C"` defines it under its mangled name
    /// (`_Z23tlsprobe_plugin_new_bioiPK8sockaddrji`). Read as the rest is: the headers checked
    /// first, then only the dynamic symbol table and its strings, each inside the file.
    package static func definedDynamicSymbols(path: String, containing needle: String, limit: Int = 16) -> [String] {
        let file: RegularFile
        do {
            file = try RegularFile(path: path)
        } catch {
            return []
        }
        guard case .elf = read(file, depth: .header) else { return [] }
        do {
            let reader = try ELFReader(descriptor: file.descriptor, size: file.size)
            return try reader.definedDynamicSymbols(containing: needle, limit: limit)
        } catch {
            return []
        }
    }

    // MARK: One open file

    private let elf: OpaquePointer
    /// The file's size: every offset and size the file states is checked against it.
    private let size: UInt64
    private var header = GElf_Ehdr()
    private var sections: [(scn: OpaquePointer, header: GElf_Shdr)] = []
    /// Sections whose data was read, and how many bytes that took: sections of a
    /// sound file do not overlap, so a file that makes libelf read more than its
    /// own size (a thousand relocation sections over the same bytes) is refused
    /// before it costs memory many times its size.
    private var sectionsRead = Set<Int>()
    private var bytesRead: UInt64 = 0

    private init(descriptor: Int32, size: UInt64) throws(UnreadableFile) {
        guard let elf = elf_begin(descriptor, ELF_C_READ, nil) else { throw Self.libelf("elf_begin") }
        self.elf = elf
        self.size = size
    }

    /// A reader over `size` bytes at `image`, which must outlive it (`read(image:depth:)` ends it first).
    private init(image: UnsafeMutableRawPointer, size: Int) throws(UnreadableFile) {
        guard let elf = elf_memory(image.assumingMemoryBound(to: CChar.self), size) else { throw Self.libelf("elf_memory") }
        self.elf = elf
        self.size = UInt64(size)
    }

    deinit {
        elf_end(elf)
    }

    /// libelf's own words for what it refused.
    private static func libelf(_ what: String) -> UnreadableFile {
        let message = elf_errmsg(elf_errno()).map { String(cString: $0) } ?? "unknown libelf error"
        return UnreadableFile(reason: "\(what): \(message)")
    }

    /// `offset + length`, or `nil` when the sum does not fit in 64 bits.
    private static func end(_ offset: UInt64, _ length: UInt64) -> UInt64? {
        let (sum, overflow) = offset.addingReportingOverflow(length)
        return overflow ? nil : sum
    }

    /// `count` entries of `entrySize` bytes each, or `nil` when the product does not fit in 64 bits.
    private static func length(_ count: UInt64, _ entrySize: UInt64) -> UInt64? {
        let (product, overflow) = count.multipliedReportingOverflow(by: entrySize)
        return overflow ? nil : product
    }

    /// Refuses a table of `count` entries of `entrySize` bytes at `offset` that does not lie inside the file.
    private func checkInside(_ what: String, offset: UInt64, count: UInt64, entrySize: UInt64) throws(UnreadableFile) {
        guard let length = Self.length(count, entrySize) else {
            throw UnreadableFile(reason: "\(what): \(count) entries of \(entrySize) bytes are more than 2^64 bytes")
        }
        guard length > 0 else { return }
        guard let end = Self.end(offset, length) else {
            throw UnreadableFile(reason: "\(what) runs past 2^64: \(length) bytes from byte \(offset)")
        }
        guard end <= size else {
            throw UnreadableFile(reason: "truncated: \(what) ends at byte \(end), the file has \(size)")
        }
    }

    private func inspect(_ depth: Depth) throws(UnreadableFile) -> ELFFile {
        guard elf_kind(elf) == ELF_K_ELF else { throw Self.libelf("not an ELF file libelf can read") }
        let elfClass = gelf_getclass(elf)
        guard elfClass == ELFCLASS32 || elfClass == ELFCLASS64 else {
            throw UnreadableFile(reason: "invalid ELF class \(elfClass) (neither 32- nor 64-bit)")
        }
        guard gelf_getehdr(elf, &header) != nil else { throw Self.libelf("ELF header") }
        var file = ELFFile()
        file.bits = elfClass == ELFCLASS64 ? 64 : 32
        file.machine = Self.machineName(header.e_machine)
        file.machineCode = header.e_machine
        guard depth != .header else { return file }
        try checkTables()
        try loadSections()
        (file.buildID, file.tlsprobeCommit) = try readNotes()
        guard depth == .everything else { return file }

        let dynamic = try readDynamic()
        file.soname = dynamic.soname
        file.type = try fileType()
        file.staticallyLinked = dynamic.needed.isEmpty
        file.neededLibraries = dynamic.needed
        file.runPaths = (dynamic.runPath ?? dynamic.rPath).map { $0.split(separator: ":").map(String.init) } ?? []
        let needs = try readVersionNeeds()
        let openSSLFiles = (dynamic.needed.filter(Self.isOpenSSLSoname) + needs.files.filter(Self.isOpenSSLSoname)).uniqued()
        file.needs = openSSLFiles
        file.openSSLLines = openSSLFiles.compactMap(Self.line).uniqued().sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        file.symbolVersions = needs.openSSLVersions.sorted()
        file.definedVersions = try readVersionDefinitions().filter { $0.hasPrefix("OPENSSL_") }.sorted()

        var definitions = Set<String>()
        if let dynsym = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_DYNSYM) }) {
            let symbols = try readSymbols(in: dynsym, versions: needs.byIndex)
            file.imports = symbols.imports.map(\.value)
            definitions.formUnion(symbols.definitions)
            file.exportsDefinitions = !symbols.definitions.isEmpty
            if !symbols.imports.isEmpty {
                try bind(&file.imports, indices: symbols.imports.map(\.index), symbolTable: dynsym, jumpRelocations: dynamic.jumpRelocations)
            }
        }
        if let symtab = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_SYMTAB) }) {
            let symbols = try readSymbols(in: symtab, versions: [:])
            definitions.formUnion(symbols.definitions)
            // A file without a dynamic symbol table (a relocatable object, a static
            // program) names what it would import only here.
            if file.imports.isEmpty, !sections.contains(where: { $0.header.sh_type == UInt32(SHT_DYNSYM) }) {
                file.imports = symbols.imports.map(\.value)
            }
        }
        file.definitions = definitions.sorted()
        file.imports.sort { $0.symbol < $1.symbol }
        // Read-only data is read only where OpenSSL may be inside: a file that
        // defines its BIO functions, or one that links nothing dynamically.
        if !definitions.isEmpty || (file.staticallyLinked && file.imports.isEmpty) {
            file.embeddedVersion = try embeddedVersion()
        }
        return file
    }

    // MARK: Structure

    /// Program and section header tables inside the file: a truncated file fails here, by
    /// name, and so does one whose offsets are past its end or overflow 64 bits.
    private func checkTables() throws(UnreadableFile) {
        if header.e_shoff != 0 {
            try checkInside("the section header table", offset: header.e_shoff,
                            count: UInt64(header.e_shnum), entrySize: UInt64(header.e_shentsize))
        }
        if header.e_phoff != 0 {
            try checkInside("the program header table", offset: header.e_phoff,
                            count: UInt64(header.e_phnum), entrySize: UInt64(header.e_phentsize))
        }
    }

    private func loadSections() throws(UnreadableFile) {
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else { throw Self.libelf("section count") }
        // With more than 0xff00 sections e_shnum is 0 and section 0 holds the count: check the table again with it.
        if header.e_shoff != 0, let announced = UInt64(exactly: count) {
            let entrySize = UInt64(exactly: gelf_fsize(elf, ELF_T_SHDR, 1, UInt32(EV_CURRENT))) ?? 0
            try checkInside("the section header table", offset: header.e_shoff, count: announced, entrySize: entrySize)
        }
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var sectionHeader = GElf_Shdr()
            guard gelf_getshdr(current, &sectionHeader) != nil else { throw Self.libelf("section header \(elf_ndxscn(current))") }
            if sectionHeader.sh_type != UInt32(SHT_NOBITS) && sectionHeader.sh_type != UInt32(SHT_NULL) {
                try checkInside("section \(elf_ndxscn(current))", offset: sectionHeader.sh_offset, count: sectionHeader.sh_size, entrySize: 1)
            }
            sections.append((current, sectionHeader))
            scn = elf_nextscn(elf, current)
        }
        // elf_nextscn starts after section 0, the null section.
        if count > 0 && sections.count != count - 1 {
            throw UnreadableFile(reason: "section table: \(count) sections announced, \(sections.count + 1) readable")
        }
        if sections.isEmpty && hasProgramHeader(UInt32(PT_DYNAMIC)) {
            throw UnreadableFile(reason: "no section headers (stripped with sstrip?): the dynamic symbol table cannot be found without them")
        }
    }

    private func hasProgramHeader(_ type: UInt32) -> Bool {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { return false }
        // libelf indexes program headers with an int.
        for index in 0..<min(max(count, 0), Int(Int32.max)) {
            var programHeader = GElf_Phdr()
            guard let index = Int32(exactly: index), gelf_getphdr(elf, index, &programHeader) != nil else { return false }
            if programHeader.p_type == type { return true }
        }
        return false
    }

    private func fileType() throws(UnreadableFile) -> String {
        switch Int32(header.e_type) {
        case ET_EXEC: return "executable"
        case ET_DYN: return hasProgramHeader(UInt32(PT_INTERP)) ? "pie-executable" : "shared-object"
        case ET_REL: return "relocatable"
        case ET_CORE: return "core"
        default: return "other"
        }
    }

    private static func machineName(_ machine: GElf_Half) -> String {
        switch Int32(machine) {
        case EM_X86_64: "x86-64"
        case EM_386: "i386"
        case EM_AARCH64: "aarch64"
        case EM_ARM: "arm"
        case EM_RISCV: "riscv"
        case EM_PPC64: "ppc64"
        case EM_S390: "s390"
        case EM_MIPS: "mips"
        case EM_LOONGARCH: "loongarch"
        default: "EM \(machine)"
        }
    }

    /// A section's data, read now. An empty section has none. Its bytes are known to
    /// lie inside the file (`loadSections`); the bytes of all sections read together
    /// may not exceed the file's size.
    private func data(_ index: Int) throws(UnreadableFile) -> UnsafeMutablePointer<Elf_Data>? {
        let sectionHeader = sections[index].header
        guard sectionHeader.sh_size > 0 else { return nil }
        if sectionsRead.insert(index).inserted {
            guard let total = Self.end(bytesRead, sectionHeader.sh_size), total <= size else {
                throw UnreadableFile(reason: "sections overlap: reading section \(elf_ndxscn(sections[index].scn)) would take more bytes than the file's \(size)")
            }
            bytesRead = total
        }
        guard let data = elf_getdata(sections[index].scn, nil) else { throw Self.libelf("section \(elf_ndxscn(sections[index].scn)) data") }
        return data
    }

    /// How many whole entries of `type` section `index` holds: what libelf's `gelf_get*`
    /// will index, capped at the `int` it indexes with. An `sh_entsize` of 0 is taken
    /// as the type's own size; any other size than that (1, or 2^63) is refused.
    private func entries(_ index: Int, _ contents: UnsafeMutablePointer<Elf_Data>, of type: Elf_Type) throws(UnreadableFile) -> Int {
        let entrySize = gelf_fsize(elf, type, 1, UInt32(EV_CURRENT))
        guard entrySize > 0 else { return 0 }
        let stated = sections[index].header.sh_entsize
        guard stated == 0 || stated == UInt64(exactly: entrySize) else {
            throw UnreadableFile(reason: "section \(elf_ndxscn(sections[index].scn)): sh_entsize \(stated), not the \(entrySize) bytes of its entries")
        }
        return min(contents.pointee.d_size / entrySize, Int(Int32.max))
    }

    /// The strings of the section whose index `link` names (a symbol table's `sh_link`).
    private func strings(linkedBy index: Int) throws(UnreadableFile) -> StringTable {
        let link = Int(sections[index].header.sh_link)
        guard let table = sections.firstIndex(where: { elf_ndxscn($0.scn) == link }),
              sections[table].header.sh_type == UInt32(SHT_STRTAB) else {
            throw UnreadableFile(reason: "section \(elf_ndxscn(sections[index].scn)) links to \(link), which is not a string table")
        }
        guard let contents = try data(table), let base = contents.pointee.d_buf else { return StringTable(base: nil, size: 0) }
        return StringTable(base: UnsafeRawPointer(base), size: contents.pointee.d_size)
    }

    /// A string table's bytes, bounds-checked: no offset in a corrupt file reads past it.
    private struct StringTable {
        let base: UnsafeRawPointer?
        let size: Int

        /// The string at `offset` (any width the file gives), or `nil` past the table or unterminated.
        func string<Offset: BinaryInteger>(at offset: Offset) -> String? {
            guard let base, let offset = Int(exactly: offset), offset >= 0, offset < size else { return nil }
            let start = base.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            let length = strnlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), size - offset)
            guard length < size - offset else { return nil }
            return String(decoding: UnsafeBufferPointer(start: start, count: length), as: UTF8.self)
        }

        /// Whether the string at `offset` starts with `BIO_`, without making a String: most symbols do not.
        func startsWithBIO<Offset: BinaryInteger>(_ offset: Offset) -> Bool {
            guard let base, let offset = Int(exactly: offset), offset >= 0, offset < size, size - offset >= 4 else { return false }
            let bytes = base.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            return bytes[0] == 0x42 && bytes[1] == 0x49 && bytes[2] == 0x4F && bytes[3] == 0x5F
        }
    }

    // MARK: Dynamic section

    private struct Dynamic {
        var needed: [String] = []
        var soname: String?
        var runPath: String?
        var rPath: String?
        /// `DT_JMPREL`: where the PLT relocations are.
        var jumpRelocations: UInt64?
    }

    private func readDynamic() throws(UnreadableFile) -> Dynamic {
        var dynamic = Dynamic()
        guard let index = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_DYNAMIC) }),
              let contents = try data(index) else { return dynamic }
        let strings = try strings(linkedBy: index)
        for entry in 0..<(try entries(index, contents, of: ELF_T_DYN)) {
            var dyn = GElf_Dyn()
            guard let entry = Int32(exactly: entry), gelf_getdyn(contents, entry, &dyn) != nil else { break }
            switch dyn.d_tag {
            case Int64(DT_NULL): return dynamic
            case Int64(DT_NEEDED):
                dynamic.needed.append(try name(dyn, "DT_NEEDED", in: strings))
            case Int64(DT_SONAME): dynamic.soname = try name(dyn, "DT_SONAME", in: strings)
            case Int64(DT_RUNPATH): dynamic.runPath = try name(dyn, "DT_RUNPATH", in: strings)
            case Int64(DT_RPATH): dynamic.rPath = try name(dyn, "DT_RPATH", in: strings)
            case Int64(DT_JMPREL): dynamic.jumpRelocations = dyn.d_un.d_ptr
            default: break
            }
        }
        return dynamic
    }

    /// The string a `DT_NEEDED` or `DT_SONAME` entry names: one past its string table
    /// is a broken dynamic section (the loader could not use it either).
    private func name(_ entry: GElf_Dyn, _ tag: String, in strings: StringTable) throws(UnreadableFile) -> String {
        guard let name = strings.string(at: entry.d_un.d_val) else {
            throw UnreadableFile(reason: "dynamic section: \(tag) names string \(entry.d_un.d_val), outside its string table (\(strings.size) bytes)")
        }
        return name
    }

    static func isOpenSSLSoname(_ name: String) -> Bool {
        name.hasPrefix("libssl.so") || name.hasPrefix("libcrypto.so")
    }

    /// `libssl.so.3` → `3`, `libcrypto.so.1.1` → `1.1`.
    package static func line(_ soname: String) -> String? {
        guard let range = soname.range(of: ".so.") else { return nil }
        let line = String(soname[range.upperBound...])
        return line.isEmpty ? nil : line
    }

    // MARK: Symbol versions

    private struct VersionNeeds {
        var files: [String] = []
        /// Version index (`vna_other`) → version name.
        var byIndex: [UInt16: String] = [:]
        /// The versions asked of libssl or libcrypto.
        var openSSLVersions: Set<String> = []
    }

    /// Where the next record of a version chain is: `offset + step` inside `limit`
    /// bytes, as the `int` libelf takes; `nil` when it is past the data or overflows.
    private static func chained(_ offset: Int, _ step: UInt32, limit: Int) -> Int32? {
        let (next, overflow) = offset.addingReportingOverflow(Int(step))
        guard !overflow, next < limit else { return nil }
        return Int32(exactly: next)
    }

    /// Version records are at least 16 bytes and never overlap in a sound file: a chain
    /// that visits more of them than its section holds (`vn_next` of 1 over and over) is
    /// refused instead of walked for hours.
    private struct Budget {
        var remaining: Int

        init(bytes: Int) { remaining = bytes / 16 + 1 }

        mutating func spend(_ what: String) throws(UnreadableFile) {
            remaining -= 1
            guard remaining >= 0 else { throw UnreadableFile(reason: "\(what): more records chained than the section holds") }
        }
    }

    private func readVersionNeeds() throws(UnreadableFile) -> VersionNeeds {
        var needs = VersionNeeds()
        guard let index = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_GNU_verneed) }),
              let contents = try data(index) else { return needs }
        let strings = try strings(linkedBy: index)
        let limit = contents.pointee.d_size
        var budget = Budget(bytes: limit)
        var offset: Int32 = 0
        for _ in 0..<Int(sections[index].header.sh_info) {
            try budget.spend("version requirements")
            var need = GElf_Verneed()
            guard gelf_getverneed(contents, offset, &need) != nil else { throw Self.libelf("version requirement at \(offset)") }
            let file = strings.string(at: need.vn_file) ?? ""
            needs.files.append(file)
            guard var auxOffset = Self.chained(Int(offset), need.vn_aux, limit: limit) else {
                throw UnreadableFile(reason: "version requirement of \(file): vn_aux \(need.vn_aux) points past the section")
            }
            for _ in 0..<Int(need.vn_cnt) {
                try budget.spend("version requirements of \(file)")
                var aux = GElf_Vernaux()
                guard gelf_getvernaux(contents, auxOffset, &aux) != nil else { throw Self.libelf("version requirement of \(file)") }
                if let name = strings.string(at: aux.vna_name) {
                    needs.byIndex[aux.vna_other] = name
                    if Self.isOpenSSLSoname(file) { needs.openSSLVersions.insert(name) }
                }
                guard aux.vna_next > 0 else { break }
                guard let next = Self.chained(Int(auxOffset), aux.vna_next, limit: limit) else {
                    throw UnreadableFile(reason: "version requirement of \(file): vna_next \(aux.vna_next) points past the section")
                }
                auxOffset = next
            }
            guard need.vn_next > 0 else { break }
            guard let next = Self.chained(Int(offset), need.vn_next, limit: limit) else {
                throw UnreadableFile(reason: "version requirement of \(file): vn_next \(need.vn_next) points past the section")
            }
            offset = next
        }
        return needs
    }

    private func readVersionDefinitions() throws(UnreadableFile) -> [String] {
        guard let index = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_GNU_verdef) }),
              let contents = try data(index) else { return [] }
        let strings = try strings(linkedBy: index)
        let limit = contents.pointee.d_size
        var budget = Budget(bytes: limit)
        var names: [String] = []
        var offset: Int32 = 0
        for _ in 0..<Int(sections[index].header.sh_info) {
            try budget.spend("version definitions")
            var definition = GElf_Verdef()
            guard gelf_getverdef(contents, offset, &definition) != nil else { throw Self.libelf("version definition at \(offset)") }
            if definition.vd_flags & UInt16(VER_FLG_BASE) == 0 {
                guard let auxOffset = Self.chained(Int(offset), definition.vd_aux, limit: limit) else {
                    throw UnreadableFile(reason: "version definition at \(offset): vd_aux \(definition.vd_aux) points past the section")
                }
                var aux = GElf_Verdaux()
                if gelf_getverdaux(contents, auxOffset, &aux) != nil, let name = strings.string(at: aux.vda_name) {
                    names.append(name)
                }
            }
            guard definition.vd_next > 0 else { break }
            guard let next = Self.chained(Int(offset), definition.vd_next, limit: limit) else {
                throw UnreadableFile(reason: "version definition at \(offset): vd_next \(definition.vd_next) points past the section")
            }
            offset = next
        }
        return names
    }

    // MARK: Symbols

    private struct Symbols {
        /// Relevant undefined symbols and their index in the table.
        var imports: [(index: Int, value: SymbolImport)] = []
        /// OpenSSL BIO functions the file defines (global or weak).
        var definitions: Set<String> = []
    }

    private func readSymbols(in index: Int, versions: [UInt16: String]) throws(UnreadableFile) -> Symbols {
        var symbols = Symbols()
        guard let contents = try data(index) else { return symbols }
        let strings = try strings(linkedBy: index)
        var versionData: UnsafeMutablePointer<Elf_Data>?
        if !versions.isEmpty, let versym = sections.firstIndex(where: {
            $0.header.sh_type == UInt32(SHT_GNU_versym) && Int($0.header.sh_link) == elf_ndxscn(sections[index].scn)
        }) {
            versionData = try data(versym)
        }
        for entry in 0..<(try entries(index, contents, of: ELF_T_SYM)) {
            var symbol = GElf_Sym()
            guard let position = Int32(exactly: entry), gelf_getsym(contents, position, &symbol) != nil else { throw Self.libelf("symbol \(entry)") }
            guard strings.startsWithBIO(symbol.st_name), let name = strings.string(at: symbol.st_name) else { continue }
            if symbol.st_shndx == UInt16(SHN_UNDEF) {
                guard entry > 0, Self.isRelevantImport(name) else { continue }
                var version: String?
                var versym = GElf_Versym()
                if let versionData, gelf_getversym(versionData, position, &versym) != nil {
                    version = versions[versym & 0x7FFF]
                }
                symbols.imports.append((entry, SymbolImport(symbol: name, version: version)))
            } else if Self.embeddedMarkers.contains(name) {
                let type = Int32(tlsprobe_GELF_ST_TYPE(symbol.st_info))
                let binding = Int32(tlsprobe_GELF_ST_BIND(symbol.st_info))
                if (type == STT_FUNC || type == STT_GNU_IFUNC) && (binding == STB_GLOBAL || binding == STB_WEAK) {
                    symbols.definitions.insert(name)
                }
            }
        }
        return symbols
    }

    /// Defined symbols of the dynamic symbol table whose names contain `needle`: section
    /// headers checked and loaded as for `inspect`, then one pass over `.dynsym`.
    private func definedDynamicSymbols(containing needle: String, limit: Int) throws(UnreadableFile) -> [String] {
        guard elf_kind(elf) == ELF_K_ELF else { throw Self.libelf("not an ELF file libelf can read") }
        guard gelf_getehdr(elf, &header) != nil else { throw Self.libelf("ELF header") }
        try checkTables()
        try loadSections()
        guard let dynsym = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_DYNSYM) }),
              let contents = try data(dynsym) else { return [] }
        let strings = try strings(linkedBy: dynsym)
        var found: [String] = []
        for entry in 0..<(try entries(dynsym, contents, of: ELF_T_SYM)) where found.count < limit {
            var symbol = GElf_Sym()
            guard let position = Int32(exactly: entry), gelf_getsym(contents, position, &symbol) != nil else { throw Self.libelf("symbol \(entry)") }
            guard symbol.st_shndx != UInt16(SHN_UNDEF), let name = strings.string(at: symbol.st_name), name.contains(needle) else { continue }
            found.append(name)
        }
        return found
    }

    // MARK: Relocations

    /// Marks each import bound by a dynamic relocation: in the PLT relocations
    /// (`DT_JMPREL`) a call through the PLT, elsewhere a GOT or data word.
    private func bind(_ imports: inout [SymbolImport], indices: [Int], symbolTable: Int, jumpRelocations: UInt64?) throws(UnreadableFile) {
        var position: [UInt64: Int] = [:]
        for (offset, index) in indices.enumerated() {
            if let index = UInt64(exactly: index) { position[index] = offset }
        }
        let tableIndex = elf_ndxscn(sections[symbolTable].scn)
        var found: [Set<SymbolImport.Relocation>] = Array(repeating: [], count: imports.count)
        for section in sections.indices {
            let sectionHeader = sections[section].header
            let isRela = sectionHeader.sh_type == UInt32(SHT_RELA)
            guard isRela || sectionHeader.sh_type == UInt32(SHT_REL), Int(sectionHeader.sh_link) == tableIndex,
                  let contents = try data(section) else { continue }
            let kind: SymbolImport.Relocation = sectionHeader.sh_addr == jumpRelocations ? .plt : .got
            for entry in 0..<(try entries(section, contents, of: isRela ? ELF_T_RELA : ELF_T_REL)) {
                guard let at = Int32(exactly: entry) else { break }
                let info: GElf_Xword
                if isRela {
                    var relocation = GElf_Rela()
                    guard gelf_getrela(contents, at, &relocation) != nil else { throw Self.libelf("relocation \(entry)") }
                    info = relocation.r_info
                } else {
                    var relocation = GElf_Rel()
                    guard gelf_getrel(contents, at, &relocation) != nil else { throw Self.libelf("relocation \(entry)") }
                    info = relocation.r_info
                }
                let symbol = tlsprobe_GELF_R_SYM(info)
                // Most dynamic relocations are RELATIVE ones, against no symbol.
                guard symbol != 0, let offset = position[symbol], found.indices.contains(offset) else { continue }
                found[offset].insert(kind)
            }
        }
        for offset in imports.indices {
            imports[offset].relocations = SymbolImport.Relocation.allCases.filter { found[offset].contains($0) }
        }
    }

    // MARK: Build id

    /// The linker's `NT_GNU_BUILD_ID` note, in hex; `nil` when the file has none.
    /// The note `scripts/lib/stamp-commit` writes: name `tlsprobe`, this type.
    static let commitNoteType: UInt32 = 1
    /// A commit is 40 or 64 hex digits and `-dirty`; anything longer is not one.
    static let commitNoteLimit = 80

    /// The linker's build id (`NT_GNU_BUILD_ID`) and tlsprobe's commit note, from every `SHT_NOTE`
    /// section. A commit note that is not hex digits (and `-`) is ignored, whatever its length.
    private func readNotes() throws(UnreadableFile) -> (buildID: String?, commit: String?) {
        var buildID: String?, commit: String?
        for index in sections.indices where sections[index].header.sh_type == UInt32(SHT_NOTE) {
            guard let notes = try data(index), let bytes = notes.pointee.d_buf else { continue }
            var offset = 0
            while offset < notes.pointee.d_size {
                var note = GElf_Nhdr()
                var nameOffset = 0, descriptionOffset = 0
                let next = gelf_getnote(notes, offset, &note, &nameOffset, &descriptionOffset)
                guard next > offset else { break }
                offset = next
                guard note.n_descsz > 0, descriptionOffset + Int(note.n_descsz) <= notes.pointee.d_size else { continue }
                let description = UnsafeRawBufferPointer(start: bytes + descriptionOffset, count: Int(note.n_descsz))
                func named(_ name: String) -> Bool {
                    let size = name.utf8.count + 1
                    return Int(note.n_namesz) == size && nameOffset + size <= notes.pointee.d_size && memcmp(bytes + nameOffset, name, size) == 0
                }
                if buildID == nil, note.n_type == UInt32(NT_GNU_BUILD_ID), named("GNU") {
                    buildID = description.map { String(format: "%02x", $0) }.joined()
                } else if commit == nil, note.n_type == Self.commitNoteType, named("tlsprobe"), description.count <= Self.commitNoteLimit,
                          description.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D }) {
                    commit = String(decoding: description, as: UTF8.self)
                }
            }
        }
        return (buildID, commit)
    }

    // MARK: Embedded version

    /// `OpenSSL 3.0.19 27 Jan 2026`, OpenSSL's `OPENSSL_VERSION_TEXT`, from the
    /// file's `.rodata`: a NUL-terminated string starting `OpenSSL X.Y.Z`. One
    /// with a release date is preferred over a bare version.
    private func embeddedVersion() throws(UnreadableFile) -> String? {
        let names = sections.indices.filter { sections[$0].header.sh_type == UInt32(SHT_PROGBITS) }
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { throw Self.libelf("section name table") }
        var best: String?
        for index in names {
            guard let name = elf_strptr(elf, shstrndx, Int(sections[index].header.sh_name)).map({ String(cString: $0) }),
                  name == ".rodata" || name.hasPrefix(".rodata."),
                  let contents = try data(index), let base = contents.pointee.d_buf else { continue }
            for candidate in Self.versionStrings(in: UnsafeRawBufferPointer(start: base, count: contents.pointee.d_size)) {
                if candidate.last?.isNumber == true && candidate.split(separator: " ").last?.count == 4 { return candidate }
                if best == nil { best = candidate }
            }
        }
        return best
    }

    /// Every NUL-terminated string in `bytes` that reads `OpenSSL <digits>.<digits>.<digits>…`, at most 80 bytes of printable ASCII.
    static func versionStrings(in bytes: UnsafeRawBufferPointer) -> [String] {
        guard let base = bytes.baseAddress else { return [] }
        let needle = Array("OpenSSL ".utf8)
        var found: [String] = []
        var offset = 0
        while offset + needle.count <= bytes.count, let hit = memchr(base + offset, Int32(needle[0]), bytes.count - offset) {
            let start = base.distance(to: UnsafeRawPointer(hit))
            offset = start + 1
            guard start + needle.count <= bytes.count, needle.indices.allSatisfy({ bytes[start + $0] == needle[$0] }),
                  start == 0 || bytes[start - 1] == 0 else { continue }
            var end = start
            while end < bytes.count, bytes[end] != 0, end - start <= 80 { end += 1 }
            guard end < bytes.count, bytes[end] == 0, end - start <= 80 else { continue }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            if isVersionText(text) { found.append(text) }
        }
        return found
    }

    /// `OpenSSL 3.0.19 27 Jan 2026`, `OpenSSL 1.1.1w  11 Sep 2023`, `OpenSSL 3.5.0`.
    static func isVersionText(_ text: String) -> Bool {
        guard text.hasPrefix("OpenSSL "), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else { return false }
        let version = text.dropFirst("OpenSSL ".count).prefix { $0 != " " }
        let numbers = version.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers[0].allSatisfy(\.isNumber), numbers[1].allSatisfy(\.isNumber),
              !numbers[0].isEmpty, !numbers[1].isEmpty, numbers[2].first?.isNumber == true else { return false }
        return true
    }
}
