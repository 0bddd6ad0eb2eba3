import AuditClassification
import ELFInspection

/// One ELF file as `tlsprobe audit` read it: its class and the evidence behind it.
///
/// The evidence is what `ELFReader` read from the file itself (its dynamic
/// section, symbol tables, symbol versions, relocations, read-only data); the
/// class is decided from it alone by `AuditClassifier`. The JSON keeps every
/// field of the evidence at the top level of the file's object.
package struct AuditedFile: Sendable, Equatable, Codable {
    /// The file's path; for a file from a package or tar archive, `PACKAGE.deb:/usr/bin/x`.
    package var path: String
    /// The `.deb` or tar archive it came from, as given on the command line.
    package var package: String?
    /// Who the file belongs to: the control data of the `.deb` it came from (`package`),
    /// or for a file found in a folder the installed package dpkg's database says owns
    /// it. Absent when neither says (a file dpkg does not know, control data that could
    /// not be read).
    package var packageInfo: DebianPackageInfo?
    /// For a file from a saved container image (`package` is the image's tar): its image and layer.
    package var image: ImageLayer?
    package var `class`: AuditClass
    /// Why the file could not be audited; present exactly when `class` is `error`.
    package var error: String?
    /// What the file says; empty for a file that could not be read.
    package var elf: ELFFile

    package init(path: String, package: String? = nil, class auditClass: AuditClass, error: String? = nil, elf: ELFFile = ELFFile()) {
        self.path = path
        self.package = package
        self.class = auditClass
        self.error = error
        self.elf = elf
    }

    private enum CodingKeys: String, CodingKey {
        case path, package, packageInfo, image, `class`, error
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        package = try container.decodeIfPresent(String.self, forKey: .package)
        packageInfo = try container.decodeIfPresent(DebianPackageInfo.self, forKey: .packageInfo)
        image = try container.decodeIfPresent(ImageLayer.self, forKey: .image)
        self.class = try container.decode(AuditClass.self, forKey: .class)
        error = try container.decodeIfPresent(String.self, forKey: .error)
        elf = try ELFFile(from: decoder)
    }

    package func encode(to encoder: any Encoder) throws {
        try elf.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encodeIfPresent(package, forKey: .package)
        try container.encodeIfPresent(packageInfo, forKey: .packageInfo)
        try container.encodeIfPresent(image, forKey: .image)
        try container.encode(self.class, forKey: .class)
        try container.encodeIfPresent(error, forKey: .error)
    }

    /// What the audit makes of `path`: `nil` for a file that is not ELF (skipped and
    /// counted), else the file classed from what `ELFReader` read, or its error.
    /// `display` and `package` are what the report calls it.
    package static func read(path: String, display: String, package: String?) -> AuditedFile? {
        classify(ELFReader.read(path: path), display: display, package: package)
    }

    /// What the audit makes of what `ELFReader` read, from a file or from memory (a
    /// member of an archive read as a stream): `nil` for no ELF file, else its class or its error.
    static func classify(_ result: ELFReader.Result, display: String, package: String?) -> AuditedFile? {
        switch result {
        case .notELF:
            return nil
        case .unreadable(let reason):
            return .failed(display, package: package, reason: reason)
        case .elf(let elf):
            var file = AuditedFile(path: display, package: package, class: .notOpenSSL, elf: elf)
            file.class = AuditClassifier.classify(file)
            return file
        }
    }

    /// A file that could not be audited, and why.
    package static func failed(_ path: String, package: String? = nil, reason: String) -> AuditedFile {
        AuditedFile(path: path, package: package, class: .error, error: reason)
    }

}
