/// One ELF file as `tlsprobe audit` read it: its class and the evidence behind it.
///
/// Every field is what the file itself says (its dynamic section, symbol tables,
/// symbol versions, relocations, read-only data); the class is decided from
/// these alone by `AuditClassifier`.
package struct AuditedFile: Sendable, Equatable, Codable {
    /// The file's path; for a file unpacked from a package, `PACKAGE.deb:/usr/bin/x`.
    package var path: String
    /// The `.deb` it came from, as given on the command line.
    package var package: String?
    package var `class`: AuditClass
    /// Why the file could not be audited; present exactly when `class` is `error`.
    package var error: String?
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
    package var imports: [AuditImport]
    /// OpenSSL BIO functions it defines (statically linked OpenSSL), sorted.
    package var definitions: [String]
    /// Whether those definitions are in its dynamic symbol table, i.e. re-exported to others.
    package var exportsDefinitions: Bool
    /// The OpenSSL version string found in its read-only data (`OpenSSL 3.0.19 27 Jan 2026`).
    package var embeddedVersion: String?

    package init(path: String, package: String? = nil, class auditClass: AuditClass, error: String? = nil,
                 bits: Int? = nil, machine: String? = nil, type: String? = nil, staticallyLinked: Bool = false,
                 soname: String? = nil, needs: [String] = [], openSSLLines: [String] = [], symbolVersions: [String] = [],
                 definedVersions: [String] = [], imports: [AuditImport] = [], definitions: [String] = [],
                 exportsDefinitions: Bool = false, embeddedVersion: String? = nil) {
        self.path = path
        self.package = package
        self.class = auditClass
        self.error = error
        self.bits = bits
        self.machine = machine
        self.type = type
        self.staticallyLinked = staticallyLinked
        self.soname = soname
        self.needs = needs
        self.openSSLLines = openSSLLines
        self.symbolVersions = symbolVersions
        self.definedVersions = definedVersions
        self.imports = imports
        self.definitions = definitions
        self.exportsDefinitions = exportsDefinitions
        self.embeddedVersion = embeddedVersion
    }

    /// A file that could not be audited, and why.
    package static func failed(_ path: String, package: String? = nil, reason: String) -> AuditedFile {
        AuditedFile(path: path, package: package, class: .error, error: reason)
    }

    /// The import named `symbol`, if the file has it.
    package func imported(_ symbol: String) -> AuditImport? {
        imports.first { $0.symbol == symbol }
    }

    /// `BIO_meth_get_*` imports: the socket BIO's methods copied.
    package var methodGetters: [AuditImport] {
        imports.filter { $0.symbol.hasPrefix("BIO_meth_get_") }
    }
}
