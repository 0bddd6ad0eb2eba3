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
    /// FIFOs, sockets and devices (in a folder walked, or members of an archive read as a stream).
    package var specialFiles = 0
    /// Files reached a second time through another path given.
    package var duplicates = 0
    /// Symlinks inside a package or tar archive read as a stream: never followed (there is no tree to follow them in).
    package var memberSymlinks = 0
    /// Hard links inside a package or tar archive read as a stream: the member they name is read under its own name.
    package var hardLinks = 0
    /// Archive members with an absolute name or a `..` component: never read, never extracted.
    package var unsafeNames = 0
    /// Sparse archive members (GNU or pax sparse maps): not read, for their holes are no ELF file's bytes.
    package var sparseMembers = 0
    /// Files of a saved container image's layer that a later layer removes (a whiteout) or replaces: not in the image.
    package var removedByLaterLayer = 0

    package init() {}

    private enum CodingKeys: String, CodingKey {
        case notELF, symlinksWithinTree, symlinksOutOfTree, danglingSymlinks, symlinkLoops, specialFiles, duplicates,
             memberSymlinks, hardLinks, unsafeNames, sparseMembers, removedByLaterLayer
    }

    /// A report written before archives were read as streams lacks the archive counters: they are 0.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func count(_ key: CodingKeys) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        notELF = try count(.notELF)
        symlinksWithinTree = try count(.symlinksWithinTree)
        symlinksOutOfTree = try count(.symlinksOutOfTree)
        danglingSymlinks = try count(.danglingSymlinks)
        symlinkLoops = try count(.symlinkLoops)
        specialFiles = try count(.specialFiles)
        duplicates = try count(.duplicates)
        memberSymlinks = try count(.memberSymlinks)
        hardLinks = try count(.hardLinks)
        unsafeNames = try count(.unsafeNames)
        sparseMembers = try count(.sparseMembers)
        removedByLaterLayer = try count(.removedByLaterLayer)
    }

    /// Counts of another walk (a package's tree) added to these.
    static func += (counts: inout AuditSkipped, other: AuditSkipped) {
        counts.notELF += other.notELF
        counts.symlinksWithinTree += other.symlinksWithinTree
        counts.symlinksOutOfTree += other.symlinksOutOfTree
        counts.danglingSymlinks += other.danglingSymlinks
        counts.symlinkLoops += other.symlinkLoops
        counts.specialFiles += other.specialFiles
        counts.duplicates += other.duplicates
        counts.memberSymlinks += other.memberSymlinks
        counts.hardLinks += other.hardLinks
        counts.unsafeNames += other.unsafeNames
        counts.sparseMembers += other.sparseMembers
        counts.removedByLaterLayer += other.removedByLaterLayer
    }

    package var total: Int {
        notELF + symlinksWithinTree + symlinksOutOfTree + danglingSymlinks + symlinkLoops + specialFiles + duplicates
            + memberSymlinks + hardLinks + unsafeNames + sparseMembers + removedByLaterLayer
    }
}
