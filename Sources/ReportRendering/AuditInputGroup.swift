import BinaryAudit


/// The files of an audit under the path or package they were found in, so a
/// table can name the input once and each file relative to it: the same rows
/// then fit 80 columns for `/usr/lib/x86_64-linux-gnu` and for a `.deb`.
struct AuditInputGroup {
    /// The path or package as given; `nil` for files no input names (a report from elsewhere).
    let name: String?
    /// Most worrying class first, then in report order.
    var files: [AuditedFile]

    /// `files` grouped by input, in the order the inputs were given.
    static func groups(_ files: [AuditedFile], inputs: [String]) -> [AuditInputGroup] {
        var groups = inputs.map { AuditInputGroup(name: $0, files: []) } + [AuditInputGroup(name: nil, files: [])]
        for file in files {
            let index = inputs.indices.first { file.package == inputs[$0] || (file.package == nil && Self.contains(inputs[$0], file.path)) }
            groups[index ?? inputs.count].files.append(file)
        }
        return groups.filter { !$0.files.isEmpty }.map { group in
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
