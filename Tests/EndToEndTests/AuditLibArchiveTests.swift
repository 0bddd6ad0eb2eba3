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

    /// A real package, a tar.gz of a fixture and an ELF fixture, for the runs without libarchive.
    struct Inputs {
        let deb: String
        let real: (package: String, file: String, class: AuditClass)
        let tarball: String
        let elf: String
    }

    static func inputs(in folder: URL) throws -> Inputs {
        let fixtures = try AuditFixtures.get()
        let debs = try AuditCommandTests.downloaded.get()
        let real = AuditCommandTests.realPackages[0]
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: fixtures.path("own-bio"), toPath: tree.appendingPathComponent("own-bio").path)
        let tarball = folder.appendingPathComponent("layer.tar.gz").path
        let tar = try ProcessRunner.run("/usr/bin/tar", ["-C", tree.path, "-czf", tarball, "."])
        try #require(tar.status == 0, "\(tar.stderr)")
        return Inputs(deb: try #require(debs[real.package]), real: real, tarball: tarball, elf: fixtures.path("affected-pattern"))
    }

    /// The audit of `inputs` with libarchive hidden by `hide` (a shell script run first in a
    /// private mount namespace; `$1` is libarchive.so.13's real path, `$2` a scratch folder):
    /// each package and tar archive an `error` that starts with `wanted`, the ELF file given
    /// beside them still audited, and `--unpack` still reading the package.
    static func checkWithoutLibarchive(hide: String, wanted: String) throws {
        let library = URL(fileURLWithPath: "/usr/lib/x86_64-linux-gnu/libarchive.so.13").resolvingSymlinksInPath().path
        try #require(FileManager.default.fileExists(atPath: library), "\(library) missing")
        let folder = try Repository.scratch("audit-no-libarchive")
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = try Self.inputs(in: folder)
        let scratch = folder.appendingPathComponent("mounts")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)

        func withoutLibarchive(_ arguments: [String]) throws -> ProcessRunner.Run {
            let script = hide + #" && shift 2 && exec "$@""#
            return try ProcessRunner.run("/usr/bin/unshare", ["--mount", "/bin/sh", "-c", script, "sh", library, scratch.path, Repository.binary] + arguments)
        }
        let run = try withoutLibarchive(["audit", "--format", "json", inputs.deb, inputs.tarball, inputs.elf])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        for archive in [inputs.deb, inputs.tarball] {
            let file = report.files.first { $0.path == archive }
            #expect(file?.class == .error && file?.error?.hasPrefix(wanted) == true, "\(archive): \(String(describing: file?.error))")
        }
        #expect(run.stderr.contains(wanted), "\(run.stderr)")
        #expect(report.files.first { $0.path == inputs.elf }?.class == .affectedPattern, "\(report.files.map(\.path))")

        let unpacked = try withoutLibarchive(["audit", "--unpack", "--format", "json", inputs.deb])
        #expect(unpacked.status == 0 || unpacked.status == 1, "\(unpacked.stderr)")
        let unpackedReport = try AuditReport.decode(unpacked.stdout)
        #expect(unpackedReport.files.first { $0.path == "\(inputs.deb):\(inputs.real.file)" }?.class == inputs.real.class,
                "\(unpackedReport.files.map { "\($0.path) \($0.class)" })")
        #expect(!unpackedReport.files.contains { $0.class == .error }, "\(unpackedReport.files.compactMap(\.error))")
    }

    /// libarchive.so.13 not installed (whited out of the library folder by an overlay mount):
    /// each archive says what to install. Root only: it mounts.
    @Test(.enabled(if: geteuid() == 0)) func withoutLibarchiveArchivesSayWhatToInstall() throws {
        let hide = #"dir=$(dirname "$1") && mount -t tmpfs tmpfs "$2" && mkdir "$2/upper" "$2/work" && "#
            + #"mknod "$2/upper/libarchive.so.13" c 0 0 && "#
            + #"mount -t overlay overlay -o "lowerdir=$dir,upperdir=$2/upper,workdir=$2/work" "$dir""#
        try Self.checkWithoutLibarchive(hide: hide, wanted: "libarchive.so.13 not found: apt-get install libarchive13t64 (or libarchive13)")
    }

    /// libarchive.so.13 there but no shared object (/dev/null mounted over it): dlopen's reason,
    /// not an advice to install what is installed. Root only: it mounts.
    @Test(.enabled(if: geteuid() == 0)) func anUnloadableLibarchiveIsNamedWithItsReason() throws {
        try Self.checkWithoutLibarchive(hide: #"mount --bind /dev/null "$1""#, wanted: "libarchive.so.13 cannot be loaded: ")
    }
}
