import AuditClassification
/// The class of a file from the evidence `ELFReader` gathered, in the order the
/// evidence is trusted: a file that carries OpenSSL inside says nothing through
/// its imports; otherwise the imports decide, most specific first.
enum AuditClassifier {
    static func classify(_ file: AuditedFile) -> AuditClass {
        if file.error != nil { return .error }
        if !file.elf.definitions.isEmpty || file.elf.embeddedVersion != nil { return .embeddedOpenSSL }
        let imported = Set(file.elf.imports.map(\.symbol))
        let getters = !file.elf.methodGetters.isEmpty
        if imported.contains("BIO_s_socket") && imported.contains("BIO_meth_get_create")
            && (imported.contains("BIO_set_data") || imported.contains("BIO_get_data")) {
            return .affectedPattern
        }
        if getters { return .inheritsSocketBIO }
        if imported.contains("BIO_meth_new") { return .ownBIO }
        if !file.elf.needs.isEmpty || !file.elf.symbolVersions.isEmpty || !file.elf.imports.isEmpty || !file.elf.definedVersions.isEmpty {
            return .noCustomBIO
        }
        return .notOpenSSL
    }
}
