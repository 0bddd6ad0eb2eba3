import ELFInspection
import BinaryAudit


/// The evidence behind one audited file, in words every audit renderer shares:
/// a short summary for a table row and the full lines for a details block or a
/// JUnit testcase. Values are raw here; each renderer escapes them its own way.
enum AuditEvidence {
    /// One short phrase: what the class was decided on.
    ///
    /// `affected-pattern`: `create,ctrl,destroy; data set+get` (the methods it copies
    /// with `BIO_meth_get_*`, and which data accessors it imports); `inherits-socket-bio`:
    /// `create,destroy; ex_data`, or `10 getters; no state`; `own-bio`: `new+set_create;
    /// data set+get`; `embedded-openssl`: the version found, or the functions it defines.
    static func summary(_ file: AuditedFile) -> String {
        var text: String
        switch file.class {
        case .error:
            return file.error ?? "unreadable"
        case .affectedPattern, .inheritsSocketBIO:
            text = getters(file) + "; " + state(file)
        case .ownBIO:
            text = "new" + (file.elf.imported("BIO_meth_set_create") != nil ? "+set_create" : "")
            if let data = data(file) { text += "; " + data }
        case .embeddedOpenSSL:
            // What it bundles first, so a cut table row still says it: `(exported)` at the end read `(exporte…`.
            let what = file.elf.embeddedVersion ?? file.elf.definitions.joined(separator: ",")
            if !file.elf.definedVersions.isEmpty {
                text = "is OpenSSL: " + what
            } else if file.elf.exportsDefinitions {
                text = "bundles, exports: " + what
            } else {
                text = "bundles: " + what
            }
        case .noCustomBIO:
            text = file.elf.needs.isEmpty ? "imports BIO symbols" : "links " + file.elf.needs.joined(separator: ",")
        case .notOpenSSL:
            text = file.elf.staticallyLinked ? "static, no OpenSSL found" : "no OpenSSL"
        }
        let unbound = file.elf.imports.filter { !$0.isBound && decisive(file, $0.symbol) }.map(\.symbol)
        if !unbound.isEmpty, file.elf.type != "relocatable" {
            text += " (unbound: " + unbound.joined(separator: ",") + ")"
        }
        return text
    }

    /// Every fact the report has on the file, one per line.
    static func lines(_ file: AuditedFile) -> [String] {
        var lines = ["class: \(file.class.rawValue): \(file.class.meaning)"]
        if let info = file.packageInfo {
            lines.append("package: \(info.name) \(info.version) \(info.architecture), source \(info.source) \(info.sourceVersion)")
        }
        if let image = file.image { lines.append("image: \(image.image), layer \(image.layer) of \(image.layers) (\(image.digest))") }
        if let error = file.error {
            lines.append("error: \(error)")
            return lines
        }
        if let package = file.package { lines.append("\(file.image != nil ? "saved image" : file.packageInfo?.fileKind ?? "package"): \(package)") }
        let shape = [file.elf.machine, file.elf.bits.map { "\($0)-bit" }, file.elf.type].compactMap { $0 }.joined(separator: " ")
        lines.append("ELF: \(shape)\(file.elf.staticallyLinked ? ", no DT_NEEDED (statically linked)" : "")")
        if let soname = file.elf.soname { lines.append("soname: \(soname)") }
        if !file.elf.needs.isEmpty {
            lines.append("needs: \(file.elf.needs.joined(separator: ", ")) (OpenSSL \(file.elf.openSSLLines.joined(separator: ", ")))")
        }
        if !file.elf.symbolVersions.isEmpty { lines.append("symbol versions: \(file.elf.symbolVersions.joined(separator: ", "))") }
        if !file.elf.imports.isEmpty {
            lines.append("imports: " + file.elf.imports.map(describe).joined(separator: ", "))
        }
        if !file.elf.definitions.isEmpty {
            lines.append("defines: \(file.elf.definitions.joined(separator: ", "))\(file.elf.exportsDefinitions ? " (in its dynamic symbol table: re-exported)" : "")")
        }
        if !file.elf.definedVersions.isEmpty { lines.append("defines symbol versions: \(file.elf.definedVersions.joined(separator: ", ")) (an OpenSSL library itself)") }
        if let version = file.elf.embeddedVersion { lines.append("version string: \(version)") }
        if file.class == .embeddedOpenSSL {
            lines.append("only a dynamic test can tell whether its socket BIO owns the data pointer (OpenSSL 3.2+ does)")
        }
        return lines
    }

    /// `BIO_meth_get_create@OPENSSL_3.0.0 (plt)`; `(unbound)` when no relocation binds it.
    static func describe(_ symbol: SymbolImport) -> String {
        let version = symbol.version.map { "@" + $0 } ?? ""
        let binding = symbol.isBound ? symbol.relocations.map(\.rawValue).joined(separator: "+") : "unbound"
        return "\(symbol.symbol)\(version) (\(binding))"
    }

    /// `create,ctrl,destroy`, or `10 getters` when it copies more than four methods.
    private static func getters(_ file: AuditedFile) -> String {
        let names = file.elf.methodGetters.map { String($0.symbol.dropFirst("BIO_meth_get_".count)) }
        return names.count > 4 ? "\(names.count) getters" : names.joined(separator: ",")
    }

    /// Where a BIO with the socket BIO's methods keeps its state, as its imports show.
    private static func state(_ file: AuditedFile) -> String {
        if let data = data(file) { return data }
        let exData = file.elf.imports.contains { $0.symbol == "BIO_get_ex_data" || $0.symbol == "BIO_set_ex_data" }
        return exData ? "ex_data" : "no state"
    }

    /// `data set+get`: which of `BIO_set_data` and `BIO_get_data` it imports.
    private static func data(_ file: AuditedFile) -> String? {
        let accessors = ["set", "get"].filter { file.elf.imported("BIO_\($0)_data") != nil }
        return accessors.isEmpty ? nil : "data " + accessors.joined(separator: "+")
    }

    /// The imports a class was decided on, whose binding a reader should see.
    private static func decisive(_ file: AuditedFile, _ symbol: String) -> Bool {
        switch file.class {
        case .affectedPattern: ["BIO_s_socket", "BIO_meth_get_create", "BIO_set_data", "BIO_get_data"].contains(symbol)
        case .inheritsSocketBIO: symbol.hasPrefix("BIO_meth_get_")
        case .ownBIO: symbol == "BIO_meth_new"
        default: false
        }
    }
}
