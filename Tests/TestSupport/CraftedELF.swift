import Foundation

/// ELF files broken on purpose, made by the test from real binaries `cc` builds:
/// offsets and sizes past the end of the file or past 2^63 and 2^64, entry sizes
/// and string offsets no table has, version chains that point away. Before the
/// reader checked them, most of these killed the whole process with a Swift
/// integer trap ("Not enough bits to represent the passed value", arithmetic
/// overflow); each must now be that one file's `error`, with `reason` in it.
package enum CraftedELF {
    package struct Case: Sendable {
        package let name: String
        package let bytes: [UInt8]
        /// Words the file's `error` must contain.
        package let reason: String
    }

    /// The program every case but the version-definition ones is made from: the
    /// affected-pattern fixture (a PIE with dynamic symbols, versions and relocations).
    /// The others come from a small shared object with a version script.
    package static func cases() throws -> [Case] {
        let program = try ELFImage(Array(Data(contentsOf: URL(fileURLWithPath: AuditFixtures.get().path("affected-pattern")))))
        let library = try ELFImage(Array(Data(contentsOf: URL(fileURLWithPath: try versionedLibrary.get()))))
        let dynsym = try program.section(type: 11)
        let dynamic = try program.section(type: 6)
        let verneed = try program.section(type: 0x6FFF_FFFE)
        let verdef = try library.section(type: 0x6FFF_FFFD)
        let needed = try program.dynamicEntry(tag: 1)
        let secondDefinition = library.sectionOffset(verdef) + Int(library.u32(library.sectionOffset(verdef) + 16))

        var cases: [Case] = []
        func add(_ name: String, _ image: ELFImage, _ reason: String, _ edits: (inout ELFImage) -> Void) {
            var copy = image
            edits(&copy)
            cases.append(Case(name: name, bytes: copy.bytes, reason: reason))
        }
        // The ELF header's table offsets (e_phoff at 0x20, e_shoff at 0x28) and counts.
        add("shoff-past-2^63", program, "the section header table runs past 2^64: ") { $0.set64(0x28, 0xFFFF_FFFF_FFFF_FF00) }
        add("shoff-overflows", program, "truncated: the section header table ends at byte 92233720368547") { $0.set64(0x28, 0x7FFF_FFFF_FFFF_FFF0) }
        add("phoff-past-2^63", program, "the program header table runs past 2^64: ") { $0.set64(0x20, 0xFFFF_FFFF_FFFF_FF00) }
        add("phoff-overflows", program, "truncated: the program header table ends at byte 92233720368547") { $0.set64(0x20, 0x7FFF_FFFF_FFFF_FFF0) }
        add("shnum-too-many", program, "truncated: the section header table ends at byte") { $0.set16(0x3C, 0xFEFF) }
        // A section header's sh_offset (+24), sh_size (+32), sh_link (+40), sh_entsize (+56).
        add("section-offset-past-2^63", program, "section \(dynsym) runs past 2^64: ") {
            $0.set64(program.header(dynsym) + 24, 0xFFFF_FFFF_FFFF_FF00)
        }
        add("section-size-past-2^63", program, "truncated: section \(dynsym) ends at byte") {
            $0.set64(program.header(dynsym) + 32, 0x7FFF_FFFF_FFFF_FFF0)
        }
        add("section-size-wraps", program, "section \(dynamic) runs past 2^64: ") { $0.set64(program.header(dynamic) + 32, 0xFFFF_FFFF_FFFF_FFF0) }
        add("symbol-entsize-2^63", program, "sh_entsize 9223372036854775808, not the 24 bytes") {
            $0.set64(program.header(dynsym) + 56, 0x8000_0000_0000_0000)
        }
        add("symbol-entsize-1", program, "sh_entsize 1, not the 24 bytes") { $0.set64(program.header(dynsym) + 56, 1) }
        add("symbols-link-nothing", program, "links to 0, which is not a string table") { $0.set32(program.header(dynsym) + 40, 0) }
        // A DT_NEEDED whose string offset (d_val) is 2^64 - 1.
        add("needed-string-2^64", program, "DT_NEEDED names string 18446744073709551615") { $0.set64(needed + 8, .max) }
        // Version requirements: vn_aux (+8) and vn_next (+12) of the first.
        add("verneed-aux-2^31", program, "vn_aux 2147483648 points past the section") {
            $0.set32(program.sectionOffset(verneed) + 8, 0x8000_0000)
        }
        add("verneed-next-2^32", program, "vn_next 4294967280 points past the section") {
            $0.set32(program.sectionOffset(verneed) + 12, 0xFFFF_FFF0)
        }
        // Version definitions: vd_next (+16) of the first, vd_aux (+12) of the second.
        add("verdef-next-2^31", library, "vd_next 2147483648 points past the section") {
            $0.set32(library.sectionOffset(verdef) + 16, 0x8000_0000)
        }
        add("verdef-aux-2^31", library, "vd_aux 2147483648 points past the section") { $0.set32(secondDefinition + 12, 0x8000_0000) }
        // Relocation sections laid over the whole file, again and again: sound sections never
        // overlap, and these would make libelf read the file many times over.
        add("relocations-overlap", program, "sections overlap") { image in
            for index in image.sections(type: 1).prefix(8) {
                image.set32(image.header(index) + 4, 4)
                image.set64(image.header(index) + 24, 0)
                image.set64(image.header(index) + 32, UInt64(image.bytes.count / 24 * 24))
                image.set32(image.header(index) + 40, UInt32(dynsym))
                image.set64(image.header(index) + 56, 24)
            }
        }
        return cases
    }

    /// Writes every case into `folder`, one file each, named after it.
    package static func write(into folder: URL) throws -> [Case] {
        let all = try cases()
        for crafted in all {
            try Data(crafted.bytes).write(to: folder.appendingPathComponent(crafted.name))
        }
        return all
    }

    /// A shared object with a version definition (`TLSPROBE_1`), built once per test process.
    static let versionedLibrary: Result<String, any Error> = Result {
        let folder = try ProcessScratch.make("crafted-elf")
        let source = folder.appendingPathComponent("versioned.c").path
        let script = folder.appendingPathComponent("versioned.map").path
        let library = folder.appendingPathComponent("libversioned.so").path
        try "int tlsprobe_versioned(void) { return 1; }\n".write(toFile: source, atomically: true, encoding: .utf8)
        try "TLSPROBE_1 { global: tlsprobe_versioned; local: *; };\n".write(toFile: script, atomically: true, encoding: .utf8)
        let run = try ProcessRunner.run("/usr/bin/cc", ["-shared", "-fPIC", "-Wl,--version-script=\(script)", "-o", library, source])
        guard run.status == 0 else { throw AuditFixtures.BuildFailed(command: "cc -shared \(source)", stderr: run.stderr) }
        return library
    }

    /// A little-endian ELF64 file's bytes, with just enough reading to find what to break.
    package struct ELFImage: Sendable {
        package var bytes: [UInt8]

        package init(_ bytes: [UInt8]) throws {
            guard bytes.count > 64, bytes[0...3] == [0x7F, 0x45, 0x4C, 0x46], bytes[4] == 2, bytes[5] == 1 else {
                throw NotELF64()
            }
            self.bytes = bytes
        }

        struct NotELF64: Error {}
        struct Missing: Error { let what: String }

        package func u16(_ offset: Int) -> UInt16 { (0..<2).reduce(0) { $0 | UInt16(bytes[offset + $1]) << (8 * $1) } }
        package func u32(_ offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) } }
        package func u64(_ offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) } }
        package mutating func set16(_ offset: Int, _ value: UInt16) { for byte in 0..<2 { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) } }
        package mutating func set32(_ offset: Int, _ value: UInt32) { for byte in 0..<4 { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) } }
        package mutating func set64(_ offset: Int, _ value: UInt64) { for byte in 0..<8 { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) } }

        /// Where section `index`'s header is.
        package func header(_ index: Int) -> Int { Int(u64(0x28)) + index * Int(u16(0x3A)) }
        package var sectionCount: Int { Int(u16(0x3C)) }
        package func sections(type: UInt32) -> [Int] { (0..<sectionCount).filter { u32(header($0) + 4) == type } }
        package func section(type: UInt32) throws -> Int {
            guard let index = sections(type: type).first else { throw Missing(what: "section of type \(type)") }
            return index
        }
        package func sectionOffset(_ index: Int) -> Int { Int(u64(header(index) + 24)) }

        /// Where the dynamic section's first entry with `tag` is.
        package func dynamicEntry(tag: UInt64) throws -> Int {
            let index = try section(type: 6)
            let start = sectionOffset(index), size = Int(u64(header(index) + 32))
            guard let entry = stride(from: start, to: start + size, by: 16).first(where: { u64($0) == tag }) else {
                throw Missing(what: "dynamic entry \(tag)")
            }
            return entry
        }
    }
}
