import CElf
import Foundation
import ProxyCore
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
/// it imports a BIO symbol of interest, its relocations; never its code.
///
/// Anything that does not hold together (a header or section past the end of the
/// file, an invalid class, a table libelf refuses) is thrown as `Unreadable` with
/// the reason, and becomes that file's `error`.
final class ELFReader {
    /// What reading one path gave.
    enum Result: Sendable {
        /// Not an ELF file (no `\x7FELF` magic): skipped and counted, never an error.
        case notELF
        case audited(AuditedFile)
    }

    struct Unreadable: Error {
        let reason: String
    }

    /// libelf's once-per-process handshake on the ELF version; a Swift global is
    /// initialised exactly once, whichever reader thread gets there first.
    static let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

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

    /// Reads `path`; `display` and `package` are what the report calls it.
    static func read(path: String, display: String, package: String?) -> Result {
        func failed(_ reason: String) -> Result {
            .audited(.failed(display, package: package, reason: reason))
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return failed("cannot open: \(ErrnoName.describe(errno))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return failed("cannot stat: \(ErrnoName.describe(errno))") }
        // Replaced by something else since the walk saw a regular file.
        guard info.st_mode & S_IFMT == S_IFREG else { return .notELF }
        var ident = [UInt8](repeating: 0, count: Int(EI_NIDENT))
        let count = pread(descriptor, &ident, ident.count, 0)
        guard count >= 0 else { return failed("cannot read: \(ErrnoName.describe(errno))") }
        guard count >= 4, ident.prefix(4).elementsEqual([0x7F, 0x45, 0x4C, 0x46]) else { return .notELF }
        // libelf only says it cannot read these; the identification bytes say why.
        let elfClass = ident[Int(EI_CLASS)], byteOrder = ident[Int(EI_DATA)]
        let headerSize = elfClass == ELFCLASS32 ? MemoryLayout<Elf32_Ehdr>.size : MemoryLayout<Elf64_Ehdr>.size
        if count < Int(EI_NIDENT) || info.st_size < headerSize {
            return failed("truncated: \(info.st_size) bytes, less than an ELF header")
        }
        guard elfClass == ELFCLASS32 || elfClass == ELFCLASS64 else {
            return failed("invalid ELF class \(elfClass) (e_ident[EI_CLASS] is neither ELFCLASS32 nor ELFCLASS64)")
        }
        guard byteOrder == ELFDATA2LSB || byteOrder == ELFDATA2MSB else {
            return failed("invalid byte order \(byteOrder) (e_ident[EI_DATA] is neither little- nor big-endian)")
        }
        guard libelfReady else { return failed("libelf refused ELF version \(EV_CURRENT)") }
        do {
            let reader = try ELFReader(descriptor: descriptor, size: Int64(info.st_size))
            var file = try reader.audit()
            file.path = display
            file.package = package
            file.class = AuditClassifier.classify(file)
            return .audited(file)
        } catch {
            return failed(error.reason)
        }
    }

    // MARK: One open file

    private let elf: OpaquePointer
    private let size: Int64
    private var header = GElf_Ehdr()
    private var sections: [(scn: OpaquePointer, header: GElf_Shdr)] = []

    private init(descriptor: Int32, size: Int64) throws(Unreadable) {
        guard let elf = elf_begin(descriptor, ELF_C_READ, nil) else { throw Self.libelf("elf_begin") }
        self.elf = elf
        self.size = size
    }

    deinit {
        elf_end(elf)
    }

    /// libelf's own words for what it refused.
    private static func libelf(_ what: String) -> Unreadable {
        let message = elf_errmsg(elf_errno()).map { String(cString: $0) } ?? "unknown libelf error"
        return Unreadable(reason: "\(what): \(message)")
    }

    private func audit() throws(Unreadable) -> AuditedFile {
        guard elf_kind(elf) == ELF_K_ELF else { throw Self.libelf("not an ELF file libelf can read") }
        let elfClass = gelf_getclass(elf)
        guard elfClass == ELFCLASS32 || elfClass == ELFCLASS64 else {
            throw Unreadable(reason: "invalid ELF class \(elfClass) (neither 32- nor 64-bit)")
        }
        guard gelf_getehdr(elf, &header) != nil else { throw Self.libelf("ELF header") }
        try checkTables()
        try loadSections()

        var file = AuditedFile(path: "", class: .notOpenSSL)
        file.bits = elfClass == ELFCLASS64 ? 64 : 32
        file.machine = Self.machineName(header.e_machine)

        let dynamic = try readDynamic()
        file.soname = dynamic.soname
        file.type = try fileType()
        file.staticallyLinked = dynamic.needed.isEmpty
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

    /// Program and section header tables inside the file: a truncated file fails here, by name.
    private func checkTables() throws(Unreadable) {
        let sectionTableEnd = Int64(header.e_shoff) + Int64(header.e_shnum) * Int64(header.e_shentsize)
        if header.e_shoff != 0 && sectionTableEnd > size {
            throw Unreadable(reason: "truncated: the section header table ends at byte \(sectionTableEnd), the file has \(size)")
        }
        let programTableEnd = Int64(header.e_phoff) + Int64(header.e_phnum) * Int64(header.e_phentsize)
        if header.e_phoff != 0 && programTableEnd > size {
            throw Unreadable(reason: "truncated: the program header table ends at byte \(programTableEnd), the file has \(size)")
        }
    }

    private func loadSections() throws(Unreadable) {
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else { throw Self.libelf("section count") }
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var sectionHeader = GElf_Shdr()
            guard gelf_getshdr(current, &sectionHeader) != nil else { throw Self.libelf("section header \(elf_ndxscn(current))") }
            if sectionHeader.sh_type != UInt32(SHT_NOBITS) && sectionHeader.sh_type != UInt32(SHT_NULL)
                && Int64(sectionHeader.sh_offset) + Int64(sectionHeader.sh_size) > size {
                throw Unreadable(reason: "truncated: section \(elf_ndxscn(current)) ends at byte \(Int64(sectionHeader.sh_offset) + Int64(sectionHeader.sh_size)), the file has \(size)")
            }
            sections.append((current, sectionHeader))
            scn = elf_nextscn(elf, current)
        }
        // elf_nextscn starts after section 0, the null section.
        if count > 0 && sections.count != count - 1 {
            throw Unreadable(reason: "section table: \(count) sections announced, \(sections.count + 1) readable")
        }
        if sections.isEmpty && hasProgramHeader(UInt32(PT_DYNAMIC)) {
            throw Unreadable(reason: "no section headers (stripped with sstrip?): the dynamic symbol table cannot be found without them")
        }
    }

    private func hasProgramHeader(_ type: UInt32) -> Bool {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { return false }
        for index in 0..<count {
            var programHeader = GElf_Phdr()
            if gelf_getphdr(elf, Int32(index), &programHeader) != nil && programHeader.p_type == type { return true }
        }
        return false
    }

    private func fileType() throws(Unreadable) -> String {
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

    /// A section's data, read now. An empty section has none.
    private func data(_ index: Int) throws(Unreadable) -> UnsafeMutablePointer<Elf_Data>? {
        guard sections[index].header.sh_size > 0 else { return nil }
        guard let data = elf_getdata(sections[index].scn, nil) else { throw Self.libelf("section \(elf_ndxscn(sections[index].scn)) data") }
        return data
    }

    /// The strings of the section whose index `link` names (a symbol table's `sh_link`).
    private func strings(linkedBy index: Int) throws(Unreadable) -> StringTable {
        let link = Int(sections[index].header.sh_link)
        guard let table = sections.firstIndex(where: { elf_ndxscn($0.scn) == link }),
              sections[table].header.sh_type == UInt32(SHT_STRTAB) else {
            throw Unreadable(reason: "section \(elf_ndxscn(sections[index].scn)) links to \(link), which is not a string table")
        }
        guard let contents = try data(table), let base = contents.pointee.d_buf else { return StringTable(base: nil, size: 0) }
        return StringTable(base: UnsafeRawPointer(base), size: contents.pointee.d_size)
    }

    /// A string table's bytes, bounds-checked: no offset in a corrupt file reads past it.
    private struct StringTable {
        let base: UnsafeRawPointer?
        let size: Int

        func string(at offset: Int) -> String? {
            guard let base, offset >= 0, offset < size else { return nil }
            let start = base.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            let length = strnlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), size - offset)
            guard length < size - offset else { return nil }
            return String(decoding: UnsafeBufferPointer(start: start, count: length), as: UTF8.self)
        }

        /// Whether the string at `offset` starts with `BIO_`, without making a String: most symbols do not.
        func startsWithBIO(_ offset: Int) -> Bool {
            guard let base, offset >= 0, offset + 4 <= size else { return false }
            let bytes = base.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            return bytes[0] == 0x42 && bytes[1] == 0x49 && bytes[2] == 0x4F && bytes[3] == 0x5F
        }
    }

    // MARK: Dynamic section

    private struct Dynamic {
        var needed: [String] = []
        var soname: String?
        /// `DT_JMPREL`: where the PLT relocations are.
        var jumpRelocations: UInt64?
    }

    private func readDynamic() throws(Unreadable) -> Dynamic {
        var dynamic = Dynamic()
        guard let index = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_DYNAMIC) }),
              let contents = try data(index) else { return dynamic }
        let strings = try strings(linkedBy: index)
        let count = Self.entries(sections[index].header, fallback: MemoryLayout<Elf64_Dyn>.size)
        for entry in 0..<count {
            var dyn = GElf_Dyn()
            guard gelf_getdyn(contents, Int32(entry), &dyn) != nil else { break }
            switch dyn.d_tag {
            case Int64(DT_NULL): return dynamic
            case Int64(DT_NEEDED):
                if let name = strings.string(at: Int(dyn.d_un.d_val)) { dynamic.needed.append(name) }
            case Int64(DT_SONAME): dynamic.soname = strings.string(at: Int(dyn.d_un.d_val))
            case Int64(DT_JMPREL): dynamic.jumpRelocations = dyn.d_un.d_ptr
            default: break
            }
        }
        return dynamic
    }

    /// A table section's entry count; libelf indexes entries with an `int`.
    private static func entries(_ section: GElf_Shdr, fallback: Int) -> Int {
        let size = section.sh_entsize > 0 ? Int(section.sh_entsize) : fallback
        return min(Int(section.sh_size) / size, Int(Int32.max))
    }

    static func isOpenSSLSoname(_ name: String) -> Bool {
        name.hasPrefix("libssl.so") || name.hasPrefix("libcrypto.so")
    }

    /// `libssl.so.3` → `3`, `libcrypto.so.1.1` → `1.1`.
    static func line(_ soname: String) -> String? {
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

    private func readVersionNeeds() throws(Unreadable) -> VersionNeeds {
        var needs = VersionNeeds()
        guard let index = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_GNU_verneed) }),
              let contents = try data(index) else { return needs }
        let strings = try strings(linkedBy: index)
        var offset = 0
        for _ in 0..<Int(sections[index].header.sh_info) {
            var need = GElf_Verneed()
            guard gelf_getverneed(contents, Int32(offset), &need) != nil else { throw Self.libelf("version requirement at \(offset)") }
            let file = strings.string(at: Int(need.vn_file)) ?? ""
            needs.files.append(file)
            var auxOffset = offset + Int(need.vn_aux)
            for _ in 0..<Int(need.vn_cnt) {
                var aux = GElf_Vernaux()
                guard gelf_getvernaux(contents, Int32(auxOffset), &aux) != nil else { throw Self.libelf("version requirement of \(file)") }
                if let name = strings.string(at: Int(aux.vna_name)) {
                    needs.byIndex[aux.vna_other] = name
                    if Self.isOpenSSLSoname(file) { needs.openSSLVersions.insert(name) }
                }
                guard aux.vna_next > 0 else { break }
                auxOffset += Int(aux.vna_next)
            }
            guard need.vn_next > 0 else { break }
            offset += Int(need.vn_next)
        }
        return needs
    }

    private func readVersionDefinitions() throws(Unreadable) -> [String] {
        guard let index = sections.firstIndex(where: { $0.header.sh_type == UInt32(SHT_GNU_verdef) }),
              let contents = try data(index) else { return [] }
        let strings = try strings(linkedBy: index)
        var names: [String] = []
        var offset = 0
        for _ in 0..<Int(sections[index].header.sh_info) {
            var definition = GElf_Verdef()
            guard gelf_getverdef(contents, Int32(offset), &definition) != nil else { throw Self.libelf("version definition at \(offset)") }
            var aux = GElf_Verdaux()
            if definition.vd_flags & UInt16(VER_FLG_BASE) == 0,
               gelf_getverdaux(contents, Int32(offset + Int(definition.vd_aux)), &aux) != nil,
               let name = strings.string(at: Int(aux.vda_name)) {
                names.append(name)
            }
            guard definition.vd_next > 0 else { break }
            offset += Int(definition.vd_next)
        }
        return names
    }

    // MARK: Symbols

    private struct Symbols {
        /// Relevant undefined symbols and their index in the table.
        var imports: [(index: Int, value: AuditImport)] = []
        /// OpenSSL BIO functions the file defines (global or weak).
        var definitions: Set<String> = []
    }

    private func readSymbols(in index: Int, versions: [UInt16: String]) throws(Unreadable) -> Symbols {
        var symbols = Symbols()
        guard let contents = try data(index) else { return symbols }
        let strings = try strings(linkedBy: index)
        var versionData: UnsafeMutablePointer<Elf_Data>?
        if !versions.isEmpty, let versym = sections.firstIndex(where: {
            $0.header.sh_type == UInt32(SHT_GNU_versym) && Int($0.header.sh_link) == elf_ndxscn(sections[index].scn)
        }) {
            versionData = try data(versym)
        }
        let count = Self.entries(sections[index].header, fallback: MemoryLayout<Elf64_Sym>.size)
        for entry in 0..<count {
            var symbol = GElf_Sym()
            guard gelf_getsym(contents, Int32(entry), &symbol) != nil else { throw Self.libelf("symbol \(entry)") }
            guard strings.startsWithBIO(Int(symbol.st_name)), let name = strings.string(at: Int(symbol.st_name)) else { continue }
            if symbol.st_shndx == UInt16(SHN_UNDEF) {
                guard entry > 0, Self.isRelevantImport(name) else { continue }
                var version: String?
                var versym = GElf_Versym()
                if let versionData, gelf_getversym(versionData, Int32(entry), &versym) != nil {
                    version = versions[versym & 0x7FFF]
                }
                symbols.imports.append((entry, AuditImport(symbol: name, version: version)))
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

    // MARK: Relocations

    /// Marks each import bound by a dynamic relocation: in the PLT relocations
    /// (`DT_JMPREL`) a call through the PLT, elsewhere a GOT or data word.
    private func bind(_ imports: inout [AuditImport], indices: [Int], symbolTable: Int, jumpRelocations: UInt64?) throws(Unreadable) {
        var position: [UInt64: Int] = [:]
        for (offset, index) in indices.enumerated() { position[UInt64(index)] = offset }
        let tableIndex = elf_ndxscn(sections[symbolTable].scn)
        var found: [Set<AuditImport.Relocation>] = Array(repeating: [], count: imports.count)
        for section in sections.indices {
            let sectionHeader = sections[section].header
            let isRela = sectionHeader.sh_type == UInt32(SHT_RELA)
            guard isRela || sectionHeader.sh_type == UInt32(SHT_REL), Int(sectionHeader.sh_link) == tableIndex,
                  let contents = try data(section) else { continue }
            let kind: AuditImport.Relocation = jumpRelocations != nil && sectionHeader.sh_addr == jumpRelocations! ? .plt : .got
            let count = Self.entries(sectionHeader, fallback: isRela ? MemoryLayout<Elf64_Rela>.size : MemoryLayout<Elf64_Rel>.size)
            for entry in 0..<count {
                let info: GElf_Xword
                if isRela {
                    var relocation = GElf_Rela()
                    guard gelf_getrela(contents, Int32(entry), &relocation) != nil else { throw Self.libelf("relocation \(entry)") }
                    info = relocation.r_info
                } else {
                    var relocation = GElf_Rel()
                    guard gelf_getrel(contents, Int32(entry), &relocation) != nil else { throw Self.libelf("relocation \(entry)") }
                    info = relocation.r_info
                }
                let symbol = tlsprobe_GELF_R_SYM(info)
                // Most dynamic relocations are RELATIVE ones, against no symbol.
                guard symbol != 0, let offset = position[symbol] else { continue }
                found[offset].insert(kind)
            }
        }
        for offset in imports.indices {
            imports[offset].relocations = AuditImport.Relocation.allCases.filter { found[offset].contains($0) }
        }
    }

    // MARK: Embedded version

    /// `OpenSSL 3.0.19 27 Jan 2026`, OpenSSL's `OPENSSL_VERSION_TEXT`, from the
    /// file's `.rodata`: a NUL-terminated string starting `OpenSSL X.Y.Z`. One
    /// with a release date is preferred over a bare version.
    private func embeddedVersion() throws(Unreadable) -> String? {
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
