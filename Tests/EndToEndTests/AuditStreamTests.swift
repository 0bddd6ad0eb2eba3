import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// Packages and tar archives read as streams (issue 22), through the built binary:
/// the same findings as unpacking on real Debian packages, every member named, and
/// hostile archives counted or reported without anything written anywhere.
@Suite struct AuditStreamTests {
    func json(_ run: ProcessRunner.Run) throws -> AuditReport {
        try AuditReport.decode(run.stdout)
    }

    /// What `folder` holds, recursively, as relative paths: to see that a run wrote nothing there.
    static func listing(_ folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).sorted()
    }

    /// Runs `tar` with `arguments`, failing the test on an error.
    static func tar(_ arguments: [String]) throws {
        let run = try ProcessRunner.run("/usr/bin/tar", arguments)
        try #require(run.status == 0, "tar \(arguments): \(run.stderr)")
    }

    /// The streaming default and `--unpack` on the real packages AuditCommandTests downloads: the same
    /// files, each with the same class, evidence and package; the streaming run leaves TMPDIR empty.
    @Test func streamingAndUnpackingAgreeFileByFileOnRealPackages() throws {
        let debs = try AuditCommandTests.downloaded.get()
        let paths = AuditCommandTests.realPackages.map { debs[$0.package]! }
        let scratch = try Repository.scratch("audit-stream-tmp")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let streamed = try CLI.run(["audit", "--format", "json"] + paths, environment: ["TMPDIR": scratch.path])
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(Self.listing(scratch).isEmpty, "the streaming run wrote \(Self.listing(scratch)) under TMPDIR")
        let unpacked = try CLI.run(["audit", "--unpack", "--format", "json"] + paths, environment: ["TMPDIR": scratch.path])
        #expect(unpacked.status == 0, "\(unpacked.stderr)")
        let stream = try json(streamed), unpack = try json(unpacked)
        let byPath = Dictionary(uniqueKeysWithValues: unpack.files.map { ($0.path, $0) })
        #expect(Set(stream.files.map(\.path)) == Set(byPath.keys))
        #expect(stream.files.count > 20, "\(stream.files.map(\.path))")
        for file in stream.files {
            let other = try #require(byPath[file.path], "\(file.path) only in the streaming run")
            #expect(file == other, "\(file.path): \(file.class) streamed, \(other.class) unpacked")
        }
        for real in AuditCommandTests.realPackages {
            let deb = debs[real.package]!
            #expect(stream.files.first { $0.path == "\(deb):\(real.file)" }?.class == real.class, "\(real.package)")
            #expect(stream.files.first { $0.package == deb }?.packageInfo?.name == real.package)
        }
        // Symlinks are counted either way: in the tree unpacked, or as members.
        #expect(stream.skipped.notELF == unpack.skipped.notELF)
        #expect(stream.skipped.memberSymlinks == unpack.skipped.symlinksWithinTree + unpack.skipped.symlinksOutOfTree
                + unpack.skipped.danglingSymlinks + unpack.skipped.symlinkLoops)
    }

    /// The fixtures in a tar archive, plain and compressed, named so that only their content says
    /// what they are: each member found by its path inside the archive, with its class.
    @Test(arguments: ["", "-z", "-J", "--zstd", "-j"])
    func aTarArchiveIsAuditedMemberByMember(_ compression: String) throws {
        let fixtures = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-tar")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        for name in AuditFixtures.classes {
            try FileManager.default.copyItem(atPath: fixtures.path(name), toPath: tree.appendingPathComponent("usr/bin/\(name)").path)
        }
        try "#!/bin/sh\n".write(to: tree.appendingPathComponent("usr/bin/script"), atomically: true, encoding: .utf8)
        let archive = folder.appendingPathComponent("layer").path
        try Self.tar(["-C", tree.path, "-cf", archive] + (compression.isEmpty ? [] : [compression]) + ["."])
        let temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let run = try CLI.run(["audit", archive, "--format", "json"], environment: ["TMPDIR": temporary.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try json(run)
        for name in AuditFixtures.classes {
            let file = report.files.first { $0.path == "\(archive):/usr/bin/\(name)" }
            #expect(file?.class.rawValue == name, "\(name): \(report.files.map(\.path))")
            #expect(file?.package == archive)
        }
        #expect(report.files.count == AuditFixtures.classes.count)
        #expect(report.skipped.notELF == 1)
        #expect(Self.listing(temporary).isEmpty)
    }

    /// Members named `../evil` and with an absolute path, a hard link, a symlink, a FIFO and a
    /// sparse member, all of them ELF but the FIFO: none is read or written anywhere, each is counted,
    /// and the one plain member beside them is audited, and reported again under the hard link's
    /// name (as `--unpack` reads it under both).
    @Test func hostileMembersAreCountedAndNothingIsWritten() throws {
        let affected = try AuditFixtures.get().path("affected-pattern")
        let folder = try Repository.scratch("audit-hostile")
        defer { try? FileManager.default.removeItem(at: folder) }
        let work = folder.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: affected, toPath: folder.appendingPathComponent("evil").path)
        try FileManager.default.copyItem(atPath: affected, toPath: work.appendingPathComponent("plain").path)
        try FileManager.default.copyItem(atPath: affected, toPath: folder.appendingPathComponent("abs").path)
        try FileManager.default.linkItem(atPath: work.appendingPathComponent("plain").path, toPath: work.appendingPathComponent("hard").path)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("soft").path, withDestinationPath: "plain")
        #expect(mkfifo(work.appendingPathComponent("fifo").path, 0o600) == 0)
        // A file with a hole of 1 MiB after the ELF bytes: GNU tar -S stores it as a sparse member.
        let holey = work.appendingPathComponent("holey").path
        try FileManager.default.copyItem(atPath: affected, toPath: holey)
        #expect(truncate(holey, 4 << 20) == 0)
        let archive = folder.appendingPathComponent("hostile.tar").path
        try Self.tar(["-C", work.path, "-cPSf", archive, "../evil", folder.appendingPathComponent("abs").path, "plain", "hard", "soft", "fifo", "holey"])
        let listed = try ProcessRunner.run("/usr/bin/tar", ["-tvf", archive])
        #expect(listed.output.contains("../evil") && listed.output.contains(folder.path + "/abs"), "\(listed.output)")

        let empty = folder.appendingPathComponent("cwd"), temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
        let before = Self.listing(folder)
        let run = try CLI.run(["audit", archive, "--format", "json"], through: ["/usr/bin/env", "-C", empty.path],
                              environment: ["TMPDIR": temporary.path])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try json(run)
        #expect(report.files.map(\.path).sorted() == ["\(archive):/hard", "\(archive):/plain"])
        #expect(report.files.allSatisfy { $0.class == .affectedPattern }, "\(report.files.map(\.class))")
        #expect(report.skipped.unsafeNames == 2, "\(report.skipped)")
        #expect(report.skipped.hardLinks == 1 && report.skipped.memberSymlinks == 1 && report.skipped.sparseMembers == 1, "\(report.skipped)")
        #expect(report.skipped.specialFiles == 1, "the FIFO: \(report.skipped)")
        #expect(Self.listing(folder) == before, "the run wrote \(Set(Self.listing(folder)).subtracting(before))")

        // The text summary wraps: its continuation lines are indented by two spaces.
        let text = try CLI.run(["audit", archive]).output.replacingOccurrences(of: "\n  ", with: " ")
        #expect(text.contains("2 archive members with an absolute or '..' name, never read"), "\(text)")
        #expect(text.contains("1 hard link inside archives") && text.contains("1 sparse archive member"), "\(text)")
        #expect(text.contains("1 symlink, never followed (1 inside archives)"), "\(text)")
    }

    /// An ELF member of 64 MiB (a few KB of xz) against a cap of 1 MiB: that member is an
    /// error naming the cap, the other is still audited; with the default cap it is read.
    @Test func aMemberPastTheCapIsAnErrorAndTheRestIsAudited() throws {
        let fixtures = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-member-cap")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        let big = tree.appendingPathComponent("big").path
        try FileManager.default.copyItem(atPath: fixtures.path("own-bio"), toPath: big)
        #expect(truncate(big, 64 << 20) == 0)
        try FileManager.default.copyItem(atPath: fixtures.path("affected-pattern"), toPath: tree.appendingPathComponent("small").path)
        let archive = folder.appendingPathComponent("bomb.tar.xz").path
        try Self.tar(["-C", tree.path, "-cJf", archive, "big", "small"])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int)
        #expect(size < 1 << 20, "\(size) bytes of xz")

        let capped = try CLI.run(["audit", archive, "--format", "json"], environment: [MemberLimit.variable: "1M"])
        #expect(capped.status == 2, "\(capped.stderr)")
        let report = try json(capped)
        let error = report.files.first { $0.path == "\(archive):/big" }?.error ?? ""
        #expect(error.contains("larger than the 1 MiB a member may take in memory (TLSPROBE_MAX_MEMBER_SIZE changes it)"), "\(error)")
        #expect(report.files.first { $0.path == "\(archive):/small" }?.class == .affectedPattern)
        #expect(capped.stderr.contains("bomb.tar.xz:/big: "), "\(capped.stderr)")

        let whole = try CLI.run(["audit", archive, "--format", "json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try json(whole).files.first { $0.path == "\(archive):/big" }?.class == .ownBIO)

        let refused = try CLI.run(["audit", archive], environment: [MemberLimit.variable: "lots"])
        #expect(refused.status == 2 && refused.stderr.contains("TLSPROBE_MAX_MEMBER_SIZE: 'lots' is not a size"), "\(refused.stderr)")
    }

    /// A `.deb` made with `ar` whose xz data member holds `../evil` and an absolute name (both
    /// ELF), an ELF member of 64 MiB against a cap of 1 MiB, and a sound one: the sound one is
    /// audited with the package's identity, the big one is an error, the two names are
    /// counted, and nothing is written in the working directory, beside the package or in TMPDIR.
    @Test func aHostilePackageIsReadWithoutWritingAnything() throws {
        let fixtures = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-hostile-deb")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manager = FileManager.default
        let data = folder.appendingPathComponent("data"), control = folder.appendingPathComponent("control")
        try manager.createDirectory(at: data.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        try manager.createDirectory(at: control, withIntermediateDirectories: true)
        try manager.copyItem(atPath: fixtures.path("affected-pattern"), toPath: data.appendingPathComponent("usr/bin/affected").path)
        let big = data.appendingPathComponent("usr/bin/big").path
        try manager.copyItem(atPath: fixtures.path("own-bio"), toPath: big)
        #expect(truncate(big, 64 << 20) == 0)
        try manager.copyItem(atPath: fixtures.path("own-bio"), toPath: folder.appendingPathComponent("evil").path)
        try manager.copyItem(atPath: fixtures.path("own-bio"), toPath: folder.appendingPathComponent("abs").path)
        try "Package: hostile\nVersion: 1.0\nArchitecture: all\nSource: hostile-src (0.9)\nMaintainer: t <t@example.invalid>\nDescription: h\n"
            .write(to: control.appendingPathComponent("control"), atomically: true, encoding: .utf8)
        try "2.0\n".write(to: folder.appendingPathComponent("debian-binary"), atomically: true, encoding: .utf8)
        try Self.tar(["-C", control.path, "-czf", folder.appendingPathComponent("control.tar.gz").path, "."])
        try Self.tar(["-C", data.path, "-cJPf", folder.appendingPathComponent("data.tar.xz").path,
                      "./usr/bin/affected", "./usr/bin/big", "../evil", folder.appendingPathComponent("abs").path])
        let ar = try ProcessRunner.run("/usr/bin/env", ["-C", folder.path, "/usr/bin/ar", "rc", "hostile.deb", "debian-binary", "control.tar.gz", "data.tar.xz"])
        try #require(ar.status == 0, "\(ar.stderr)")
        for part in ["data", "control", "debian-binary", "control.tar.gz", "data.tar.xz"] {
            try manager.removeItem(at: folder.appendingPathComponent(part))
        }
        let deb = folder.appendingPathComponent("hostile.deb").path
        let empty = folder.appendingPathComponent("cwd"), temporary = folder.appendingPathComponent("tmp")
        try manager.createDirectory(at: empty, withIntermediateDirectories: false)
        try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        let before = Self.listing(folder)

        let run = try CLI.run(["audit", deb, "--format", "json"], through: ["/usr/bin/env", "-C", empty.path],
                              environment: ["TMPDIR": temporary.path, MemberLimit.variable: "1M"])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try json(run)
        #expect(report.files.map(\.path).sorted() == ["\(deb):/usr/bin/affected", "\(deb):/usr/bin/big"])
        let affected = report.files.first { $0.path == "\(deb):/usr/bin/affected" }
        #expect(affected?.class == .affectedPattern)
        #expect(affected?.packageInfo == DebianPackageInfo(name: "hostile", version: "1.0", architecture: "all", source: "hostile-src", sourceVersion: "0.9"))
        #expect(report.files.first { $0.path == "\(deb):/usr/bin/big" }?.error?.contains("larger than the 1 MiB") == true)
        #expect(report.skipped.unsafeNames == 2, "\(report.skipped)")
        #expect(Self.listing(folder) == before, "the run wrote \(Set(Self.listing(folder)).subtracting(before))")
    }

    /// A real package cut in half, and a tarball named `.deb`: each an error saying what it is.
    @Test func aTruncatedPackageAndATarballNamedDebAreErrors() throws {
        let debs = try AuditCommandTests.downloaded.get()
        let folder = try Repository.scratch("audit-broken-debs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = try Data(contentsOf: URL(fileURLWithPath: debs["libpq5"]!))
        let truncated = folder.appendingPathComponent("truncated.deb").path
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: truncated))
        try FileManager.default.copyItem(atPath: try AuditFixtures.get().path("own-bio"), toPath: folder.appendingPathComponent("own-bio").path)
        let tarball = folder.appendingPathComponent("tarball.deb").path
        try Self.tar(["-C", folder.path, "-czf", tarball, "own-bio"])
        let temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let run = try CLI.run(["audit", truncated, tarball, "--format", "json"], environment: ["TMPDIR": temporary.path])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try json(run)
        let cut = report.files.first { $0.path == truncated && $0.class == .error }
        #expect(cut?.error?.lowercased().contains("truncated") == true, "\(String(describing: cut))")
        #expect(cut?.packageInfo?.name == "libpq5", "the control member comes before the damage")
        let fake = report.files.first { $0.path == tarball }
        #expect(fake?.class == .error && fake?.error == "not a Debian package: its content is a tar archive, not an ar archive starting with debian-binary",
                "\(String(describing: fake))")
        #expect(report.files.allSatisfy { $0.package != tarball || $0.path == tarball })
        #expect(Self.listing(temporary).isEmpty)
    }
}
