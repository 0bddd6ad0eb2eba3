import AuditClassification

/// A BIO plug-in given with `--bio-plugin`: the shared object and the name its
/// mode goes by in every report, `plugin:NAME`.
package struct BIOPluginSpec: Sendable, Hashable, Codable {
    /// `tlsprobe_plugin_name()`, or the file name without `.so`.
    package var name: String
    /// The file, as an absolute path.
    package var path: String
    /// Its static class from `tlsprobe audit` (`affected-pattern`, `inherits-socket-bio`, …).
    package var auditClass: AuditClass?
    /// Why the name is the file's: the plug-in could not be asked for its own.
    package var note: String?

    package init(name: String, path: String, auditClass: AuditClass? = nil, note: String? = nil) {
        self.name = name
        self.path = path
        self.auditClass = auditClass
        self.note = note
    }

    /// Letters, digits, `-`, `_` and `.`: a name that fits in a cell name and a shell word.
    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
    }

    /// The file name without a final `.so`: `legacy-fastopen` for `/x/legacy-fastopen.so`,
    /// `ats-9.2.4` for `/x/ats-9.2.4.so`. Only `.so` goes: a version in the name is what tells
    /// `ats-9.2.4.so` from `ats-9.2.7.so`, and any other name (`README.md`) is kept whole.
    package static func defaultName(path: String) -> String {
        let name = String(path.split(separator: "/").last ?? "")
        return name.hasSuffix(".so") ? String(name.dropLast(".so".count)) : name
    }

    package var mode: BIOMode { .plugin(name) }
}
