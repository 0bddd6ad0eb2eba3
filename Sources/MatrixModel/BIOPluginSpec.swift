import AuditClassification

/// A BIO plug-in given with `--bio-plugin`: the shared object (or the builds of one BIO for
/// several OpenSSL ABIs) and the name its mode goes by in every report, `plugin:NAME`.
package struct BIOPluginSpec: Sendable, Hashable, Codable {
    /// One shared object of the plug-in and the OpenSSL ABI it was built for.
    package struct Build: Sendable, Hashable, Codable {
        /// The file, as an absolute path.
        package var path: String
        /// The libssl soname it needs (`libssl.so.3`, from its `DT_NEEDED`, or its libcrypto's
        /// line); `nil` when it names no OpenSSL library.
        package var libssl: String?

        package init(path: String, libssl: String? = nil) {
            self.path = path
            self.libssl = libssl
        }
    }

    /// `tlsprobe_plugin_name()`, the file name without `.so`, the folder's name, or the
    /// `NAME=` given.
    package var name: String
    /// What was given, as an absolute path: the file, the folder of builds, or the builds of
    /// `NAME=a.so,b.so` joined by commas. Reports from before `builds` hold only this.
    package var path: String
    /// The shared objects, one per OpenSSL ABI: each worker runs the one its runtime's libssl
    /// takes. One build for a plain `--bio-plugin FILE.so` (run on every runtime, refused with
    /// the reason where it cannot load). Absent in reports from before several builds.
    package var builds: [Build]?
    /// Its static class from `tlsprobe audit` (`affected-pattern`, `inherits-socket-bio`, …),
    /// of the first build.
    package var auditClass: AuditClass?
    /// Why the name is the file's or the folder's (the plug-in could not be asked for its own, or
    /// its builds disagree), or which builds of a folder were not asked.
    package var note: String?

    package init(name: String, path: String, builds: [Build]? = nil, auditClass: AuditClass? = nil, note: String? = nil) {
        self.name = name
        self.path = path
        self.builds = builds
        self.auditClass = auditClass
        self.note = note
    }

    /// The builds, also for a report that predates them: its one file.
    package var files: [Build] { builds ?? [Build(path: path)] }

    /// Whether each worker picks one of several builds by its runtime's ABI, rather than
    /// trying the one file everywhere.
    package var choosesByABI: Bool { files.count > 1 }

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
