/// The inputs of one audit cut into shards: each walked entry's key, the part of
/// them one shard audits, and a fingerprint of the whole set.
///
/// The unit is the package, so that a package's files are never split between
/// shards: a `.deb` (given, or met in a folder and recognised by its content) is
/// keyed by the `Package` of its control data, so every version and architecture of
/// a package lands in one shard; a tar archive, a plain file, or an input that failed, by its path
/// relative to the argument it came from (its own name for a file given itself), so
/// that machines that mount the same tree at different places agree. Of arguments that
/// hold one another (`/usr` and `/usr/lib`) the innermost names the file: the walk
/// lists it under whichever comes first, and the key must not depend on that order.
///
/// The fingerprint hashes the sorted keys of every input, read by every shard the
/// same way before any is cut: `merge` refuses shards whose fingerprints differ (they
/// were cut from different inputs) instead of joining parts of two audits.
struct AuditInputSet {
    /// A walked entry with the key that places it.
    struct Unit {
        var entry: AuditWalker.Entry
        var key: String
    }

    private(set) var units: [Unit] = []
    /// Every argument as the walker names it in the report, innermost (longest) first.
    private let roots: [String]

    init(arguments: [String]) {
        roots = arguments.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.sorted { $0.count > $1.count }
    }

    /// `entries`, all from the argument `given`.
    mutating func add(_ entries: some Sequence<AuditWalker.Entry>, given: String) {
        let trimmed = given.count > 1 && given.hasSuffix("/") ? String(given.dropLast()) : given
        for entry in entries {
            let display = switch entry {
            case .package(_, let display), .rpm(_, let display), .archive(_, let display), .file(_, let display, _): display
            case .failed(let file): file.path
            }
            let root = roots.first { $0 == display || display.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } ?? trimmed
            units.append(Unit(entry: entry, key: Self.key(of: entry, root: root)))
        }
    }

    /// `fnv1a64:` and 16 hex digits: FNV-1a 64 of the sorted keys, one per line.
    var fingerprint: String { Self.fingerprint(of: units.map(\.key)) }

    /// `fnv1a64:` and 16 hex digits of `keys`, sorted, one per line.
    static func fingerprint(of keys: [String]) -> String {
        let hash = AuditShard.fnv1a64(keys.sorted().joined(separator: "\n"))
        let hex = String(hash, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The entries `shard` audits, in walk order.
    func entries(in shard: AuditShard) -> [AuditWalker.Entry] {
        units.filter { shard.holds(key: $0.key) }.map(\.entry)
    }

    /// `package:NAME` for a `.deb` whose control data names it or an `.rpm` whose header does; else `file:` and the
    /// path below `root` (the file's own name when it is `root`).
    static func key(of entry: AuditWalker.Entry, root: String) -> String {
        switch entry {
        case .package(let path, let display):
            return packageKey(path) ?? "file:" + relative(display, root: root)
        case .rpm(let path, let display):
            return RPMPackage.name(path).map { "package:" + $0 } ?? "file:" + relative(display, root: root)
        case .file(let path, let display, _):
            if DebianPackage.hasPackageMagic(path), let key = packageKey(path) { return key }
            if RPMPackage.hasMagic(path), let name = RPMPackage.name(path) { return "package:" + name }
            return "file:" + relative(display, root: root)
        case .archive(_, let display):
            return "file:" + relative(display, root: root)
        case .failed(let file):
            return "file:" + relative(file.path, root: root)
        }
    }

    /// The package's name from its control member, read as a stream (`ArchiveStream.packageInfo`),
    /// or from dpkg-deb when libarchive is missing or cannot read it: either reads the same field.
    private static func packageKey(_ path: String) -> String? {
        if let info = ArchiveStream.packageInfo(path) { return "package:" + info.name }
        guard case .success(let info) = DebianPackageInfo.read(path) else { return nil }
        return "package:" + info.name
    }

    static func relative(_ display: String, root: String) -> String {
        if display == root { return root.split(separator: "/").last.map(String.init) ?? root }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return display.hasPrefix(prefix) ? String(display.dropFirst(prefix.count)) : display
    }
}
