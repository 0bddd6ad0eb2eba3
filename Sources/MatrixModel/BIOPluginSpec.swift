import AuditClassification

/// A BIO plug-in given with `--bio-plugin`: the shared object and the name its
/// mode goes by in every report, `plugin:NAME`.
package struct BIOPluginSpec: Sendable, Hashable, Codable {
    /// `tlsprobe_plugin_name()`, or the file name without its extension.
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

    /// `legacy-fastopen` for `/x/legacy-fastopen.so`.
    package static func defaultName(path: String) -> String {
        var name = String(path.split(separator: "/").last ?? "")
        if let dot = name.firstIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
        return name
    }

    package var mode: BIOMode { .plugin(name) }
}
