import BinaryAudit


/// The files of an audit under the path or package they were found in, so a
/// table can name the input once and each file relative to it: the same rows
/// then fit 80 columns for `/usr/lib/x86_64-linux-gnu` and for a `.deb`.
struct AuditInputGroup {
    /// The path or package as given, or the `.deb` as met in a folder; `nil` for files
    /// no input names (a report from elsewhere).
    let name: String?
    /// The package's control data when the group is a `.deb` whose control data was read.
    var packageInfo: DebianPackageInfo?
    /// The image and layer, when the group is one layer of a saved container image: each layer is a group of its own.
    var image: ImageLayer?
    /// Most worrying class first, then in report order.
    var files: [AuditedFile]

    /// `files` grouped by package (given, or met in a folder) or else by the input that
    /// holds them, in report order (the order the inputs were given, a folder's `.deb`s
    /// in their place in it).
    static func groups(_ files: [AuditedFile], inputs: [String]) -> [AuditInputGroup] {
        var groups: [AuditInputGroup] = []
        for file in files {
            let name = file.package ?? inputs.first { Self.contains($0, file.path) }
            if let index = groups.firstIndex(where: { $0.name == name && $0.image == file.image }) {
                groups[index].files.append(file)
                if groups[index].packageInfo == nil && file.package != nil { groups[index].packageInfo = file.packageInfo }
            } else {
                // A folder's files may each have an installed owner: only a `.deb`'s group is one package.
                groups.append(AuditInputGroup(name: name, packageInfo: file.package == nil ? nil : file.packageInfo, image: file.image, files: [file]))
            }
        }
        return groups.map { group in
            var sorted = group
            sorted.files = group.files.enumerated().sorted { ($0.element.class, $0.offset) < ($1.element.class, $1.offset) }.map(\.element)
            return sorted
        }
    }

    /// `libpq.so.5.15` under `/usr/lib/x86_64-linux-gnu`; `/usr/bin/x` inside a package;
    /// the file's own name when it was given itself.
    func relative(_ file: AuditedFile) -> String {
        guard let name else { return file.path }
        if file.package != nil, file.path.hasPrefix(name + ":") { return String(file.path.dropFirst(name.count + 1)) }
        if file.path == name { return file.path.split(separator: "/").last.map(String.init) ?? file.path }
        if file.path.hasPrefix(name.hasSuffix("/") ? name : name + "/") {
            return String(file.path.dropFirst(name.hasSuffix("/") ? name.count : name.count + 1))
        }
        return file.path
    }

    private static func contains(_ input: String, _ path: String) -> Bool {
        path == input || path.hasPrefix(input.hasSuffix("/") ? input : input + "/")
    }
}
