import ProxyCore

/// What one ELF file says about OpenSSL, as `ELFReader` read it: what it links,
/// which BIO symbols it imports and how they are bound, what of OpenSSL it
/// carries inside. Facts only: what they mean is the audit's to decide.
package struct ELFFile: Sendable, Equatable, Codable {
    /// 32 or 64 (ELF class).
    package var bits: Int?
    /// The ELF machine: `x86-64`, `i386`, `aarch64`, or `EM 243` for others.
    package var machine: String?
    /// `executable`, `pie-executable`, `shared-object`, `relocatable`, `core` or `other`.
    package var type: String?
    /// No `DT_NEEDED` at all: whatever OpenSSL it has, it carries inside.
    package var staticallyLinked: Bool
    /// Its own `DT_SONAME`, for a library.
    package var soname: String?
    /// Every `DT_NEEDED` entry, in order: what `tlsprobe run` follows to find the libssl a
    /// program loads through its libraries (curl through libcurl). Not part of the audit's JSON.
    package var neededLibraries: [String] = []
    /// Its `DT_RUNPATH` (or, without one, `DT_RPATH`) folders, `$ORIGIN` unexpanded. Not part of the audit's JSON.
    package var runPaths: [String] = []
    /// The libssl and libcrypto sonames it needs (`DT_NEEDED`, or named by its
    /// version requirements): `libssl.so.3`.
    package var needs: [String]
    /// The OpenSSL lines those sonames can load: `1.1`, `3`, `4`. A file needing
    /// `libssl.so.3` meets every 3.x, including the 3.2+ that breaks the affected pattern.
    package var openSSLLines: [String]
    /// The symbol versions it requires of libssl and libcrypto: `OPENSSL_3.0.0`.
    package var symbolVersions: [String]
    /// `OPENSSL_*` versions it defines: the file is an OpenSSL library itself.
    package var definedVersions: [String]
    /// The BIO symbols that decide the class, as it imports them.
    package var imports: [SymbolImport]
    /// OpenSSL BIO functions it defines (statically linked OpenSSL), sorted.
    package var definitions: [String]
    /// Whether those definitions are in its dynamic symbol table, i.e. re-exported to others.
    package var exportsDefinitions: Bool
    /// The OpenSSL version string found in its read-only data (`OpenSSL 3.0.19 27 Jan 2026`).
    package var embeddedVersion: String?
    /// `e_machine` as a number, for comparing with this host's; the report names it by `machine`.
    package var machineCode: UInt16?
    /// The linker's build id (`NT_GNU_BUILD_ID`) in hex: what keys tlsprobe's own runtime cache.
    package var buildID: String?
    /// The git commit tlsprobe's packaging recorded in its own executable
    /// (`scripts/lib/stamp-commit`: a note named `tlsprobe`, type 1, in `.note.tlsprobe.commit`);
    /// `nil` for every other file, and for a plain `swift build`. Not part of the audit's JSON.
    package var tlsprobeCommit: String?

    private enum CodingKeys: String, CodingKey {
        case bits, machine, type, staticallyLinked, soname, needs, openSSLLines, symbolVersions, definedVersions,
             imports, definitions, exportsDefinitions, embeddedVersion
    }

    package init() {
        staticallyLinked = false
        needs = []
        openSSLLines = []
        symbolVersions = []
        definedVersions = []
        imports = []
        definitions = []
        exportsDefinitions = false
    }

    /// The import named `symbol`, if the file has it.
    package func imported(_ symbol: String) -> SymbolImport? {
        imports.first { $0.symbol == symbol }
    }

    /// `BIO_meth_get_*` imports: the socket BIO's methods copied.
    package var methodGetters: [SymbolImport] {
        imports.filter { $0.symbol.hasPrefix("BIO_meth_get_") }
    }
}
