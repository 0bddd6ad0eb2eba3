/// What an audit walked past without reading as ELF, counted so a reader can
/// see the walk was complete: nothing here is an error.
package struct AuditSkipped: Sendable, Equatable, Codable {
    /// Regular files without the ELF magic (scripts, data, archives, `.deb`s inside a package:
    /// a `.deb` met in a folder given is unpacked instead).
    package var notELF = 0
    /// Symlinks to something inside the tree given: the walk reaches their target by its own path.
    package var symlinksWithinTree = 0
    /// Symlinks that lead out of the tree given: never followed.
    package var symlinksOutOfTree = 0
    /// Symlinks that lead nowhere.
    package var danglingSymlinks = 0
    /// Symlinks that lead back to a folder containing them (`/usr/bin/X11 -> .`), or round a cycle of links.
    package var symlinkLoops = 0
    /// FIFOs, sockets and devices.
    package var specialFiles = 0
    /// Files reached a second time through another path given.
    package var duplicates = 0

    package init() {}

    /// Counts of another walk (a package's tree) added to these.
    static func += (counts: inout AuditSkipped, other: AuditSkipped) {
        counts.notELF += other.notELF
        counts.symlinksWithinTree += other.symlinksWithinTree
        counts.symlinksOutOfTree += other.symlinksOutOfTree
        counts.danglingSymlinks += other.danglingSymlinks
        counts.symlinkLoops += other.symlinkLoops
        counts.specialFiles += other.specialFiles
        counts.duplicates += other.duplicates
    }

    package var total: Int {
        notELF + symlinksWithinTree + symlinksOutOfTree + danglingSymlinks + symlinkLoops + specialFiles + duplicates
    }
}
