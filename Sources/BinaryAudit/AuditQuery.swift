/// The query that chose an audit's packages (`tlsprobe audit --suite SUITE --rdepends
/// NAME` or `--package NAME…`): which archive, which state of it, and what was asked,
/// so a reader of the report knows what "every package" meant.
package struct AuditQuery: Sendable, Codable, Equatable {
    /// The Debian suite whose index was read: `trixie`.
    package var suite: String
    /// dpkg's name: `amd64`.
    package var architecture: String
    /// The mirror the index and packages came from.
    package var mirror: String
    /// `InRelease`'s `Date:`: the state of the archive the query saw.
    package var indexDate: String
    /// `--rdepends NAME`: every package whose Depends or Pre-Depends names it.
    package var rdepends: String?
    /// `--package NAME…`, as given.
    package var packages: [String]?
    /// Packages the query selected, every shard's together.
    package var selected: Int
    /// Of this report's packages: verified copies taken from the cache.
    package var cached: Int
    /// Of this report's packages: downloaded now (including cached copies that failed the check).
    package var downloaded: Int
    /// Index stanzas skipped as malformed.
    package var malformedStanzas: Int
    /// This report's packages (a shard's part, a merge's union), `NAME=VERSION`, by name:
    /// those without an ELF file are in no file's line, and a reader must still see them.
    package var audited: [String]

    package init(suite: String, architecture: String, mirror: String, indexDate: String, rdepends: String?, packages: [String]?,
                 selected: Int, cached: Int = 0, downloaded: Int = 0, malformedStanzas: Int = 0, audited: [String] = []) {
        self.suite = suite
        self.architecture = architecture
        self.mirror = mirror
        self.indexDate = indexDate
        self.rdepends = rdepends
        self.packages = packages
        self.selected = selected
        self.cached = cached
        self.downloaded = downloaded
        self.malformedStanzas = malformedStanzas
        self.audited = audited
    }

    /// `bookworm/amd64 --rdepends libpq5`: what the text header and `inputs` name.
    package var description: String {
        let asked = rdepends.map { "--rdepends \($0)" } ?? "--package " + (packages ?? []).joined(separator: " ")
        return "\(suite)/\(architecture) \(asked)"
    }

    /// The same query, whatever part of it each report holds and whatever came from the cache.
    package func sameQuery(as other: AuditQuery) -> Bool {
        var left = self, right = other
        (left.cached, left.downloaded, right.cached, right.downloaded) = (0, 0, 0, 0)
        (left.audited, right.audited) = ([], [])
        return left == right
    }
}
