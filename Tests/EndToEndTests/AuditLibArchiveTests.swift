import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// libarchive is loaded with dlopen by an audit that meets an archive, never linked
/// (issue 22): the binary is also the matrix's worker, started under other Debian
/// lines' loaders, and libarchive brings libxml2 and ICU. These check the built binary.
@Suite struct AuditLibArchiveTests {
    /// The binary's `DT_NEEDED`, as binutils' readelf lists it.
    static func needed(_ path: String) throws -> [String] {
        let run = try ProcessRunner.run("/usr/bin/readelf", ["-d", "-W", path])
        try #require(run.status == 0, "readelf: \(run.stderr)")
        return run.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }.compactMap { line in
            guard let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    /// No libarchive among the libraries the loader maps before `main`, nor what it brings.
    @Test func theBinaryNeedsNoLibarchive() throws {
        let needed = try Self.needed(Repository.binary)
        #expect(needed.contains("libelf.so.1"), "readelf found no DT_NEEDED we know: \(needed)")
        #expect(!needed.contains { $0.contains("libarchive") || $0.contains("libxml2") || $0.contains("libicu") }, "\(needed)")
    }

    /// The loader's own account (`LD_DEBUG=files`): an audit of ELF files alone never maps
    /// libarchive; an audit of a package does, once.
    @Test func libarchiveIsLoadedOnlyForArchives() throws {
        let fixtures = try AuditFixtures.get()
        let plain = try CLI.run(["audit", "--format", "json", fixtures.path("affected-pattern")], environment: ["LD_DEBUG": "files"])
        #expect(plain.status == 1 || plain.status == 0, "\(plain.stderr.suffix(2000))")
        #expect(!plain.stderr.contains("libarchive"), "an audit of one ELF file loaded libarchive")
        let debs = try AuditCommandTests.downloaded.get()
        let deb = try #require(debs[AuditCommandTests.realPackages[0].package])
        let packaged = try CLI.run(["audit", "--format", "json", deb], environment: ["LD_DEBUG": "files"])
        #expect(packaged.status == 0 || packaged.status == 1, "\(packaged.stderr.suffix(2000))")
        let loads = packaged.stderr.split(separator: "\n").filter { $0.contains("file=libarchive.so.13 ") && $0.contains("dynamically loaded by") }
        #expect(loads.count == 1, "\(loads)")
    }

    /// libarchive.so.13 made unloadable (/dev/null mounted over it in a private mount
    /// namespace): each package and tar archive is an `error` naming what to install, the
    /// ELF file given beside them is still audited, and `--unpack` still reads the package.
    /// Root only: it mounts.
    @Test(.enabled(if: geteuid() == 0)) func withoutLibarchiveArchivesAreErrorsAndUnpackStillWorks() throws {
        let library = try #require(URL(fileURLWithPath: "/usr/lib/x86_64-linux-gnu/libarchive.so.13").resolvingSymlinksInPath().path,
                                   "no libarchive.so.13 here")
        try #require(FileManager.default.fileExists(atPath: library), "\(library) missing")
        let fixtures = try AuditFixtures.get()
        let debs = try AuditCommandTests.downloaded.get()
        let real = AuditCommandTests.realPackages[0]
        let deb = try #require(debs[real.package])
        let folder = try Repository.scratch("audit-no-libarchive")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: fixtures.path("own-bio"), toPath: tree.appendingPathComponent("own-bio").path)
        let tarball = folder.appendingPathComponent("layer.tar.gz").path
        let tar = try ProcessRunner.run("/usr/bin/tar", ["-C", tree.path, "-czf", tarball, "."])
        try #require(tar.status == 0, "\(tar.stderr)")
        let elf = fixtures.path("affected-pattern")

        func withoutLibarchive(_ arguments: [String]) throws -> ProcessRunner.Run {
            let script = #"mount --bind /dev/null "$1" && shift && exec "$@""#
            return try ProcessRunner.run("/usr/bin/unshare", ["--mount", "/bin/sh", "-c", script, "sh", library, Repository.binary] + arguments)
        }
        let run = try withoutLibarchive(["audit", "--format", "json", deb, tarball, elf])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        let wanted = "libarchive.so.13 not found: apt-get install libarchive13t64 (or libarchive13)"
        for archive in [deb, tarball] {
            let file = report.files.first { $0.path == archive }
            #expect(file?.class == .error && file?.error?.hasPrefix(wanted) == true, "\(archive): \(String(describing: file))")
        }
        #expect(run.stderr.contains(wanted), "\(run.stderr)")
        #expect(report.files.first { $0.path == elf }?.class == .affectedPattern, "\(report.files.map(\.path))")

        let unpacked = try withoutLibarchive(["audit", "--unpack", "--format", "json", deb])
        #expect(unpacked.status == 0 || unpacked.status == 1, "\(unpacked.stderr)")
        let unpackedReport = try AuditReport.decode(unpacked.stdout)
        #expect(unpackedReport.files.first { $0.path == "\(deb):\(real.file)" }?.class == real.class,
                "\(unpackedReport.files.map { "\($0.path) \($0.class)" })")
        #expect(!unpackedReport.files.contains { $0.class == .error }, "\(unpackedReport.files.compactMap(\.error))")
    }
}
