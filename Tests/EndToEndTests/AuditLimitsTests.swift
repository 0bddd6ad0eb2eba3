import BinaryAudit
import Foundation
import TestSupport
import Testing

/// `.deb`s given to `tlsprobe audit --unpack` (the path that unpacks to disk) that
/// expand without bound or onto a full disk, through the built binary: stopped at
/// the limit, reported as what they are. The streaming default's bound is per member
/// (`AuditStreamTests`).
@Suite struct AuditLimitsTests {
    /// A package of `megabytes` MiB of zeros (a few KB compressed) beside the affected-pattern fixture.
    static func zerosPackage(megabytes: Int, in folder: URL) throws -> String {
        let root = folder.appendingPathComponent("zeros-root")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("DEBIAN"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("usr/share/zeros"), withIntermediateDirectories: true)
        try """
            Package: tlsprobe-zeros
            Version: 1.0
            Architecture: all
            Maintainer: tlsprobe tests <tests@example.invalid>
            Description: zeros that expand

            """.write(to: root.appendingPathComponent("DEBIAN/control"), atomically: true, encoding: .utf8)
        try manager.copyItem(atPath: AuditFixtures.get().path("affected-pattern"), toPath: root.appendingPathComponent("usr/bin/affected").path)
        let zeros = root.appendingPathComponent("usr/share/zeros/zeros").path
        #expect(manager.createFile(atPath: zeros, contents: nil))
        #expect(truncate(zeros, off_t(megabytes) << 20) == 0)
        let deb = folder.appendingPathComponent("zeros.deb").path
        let build = try ProcessRunner.run("/usr/bin/dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", root.path, deb])
        try #require(build.status == 0, "\(build.stderr)")
        try manager.removeItem(at: root)
        return deb
    }

    /// 64 MiB of zeros against a limit of 8 MiB: stopped at the limit with an error naming
    /// it, TMPDIR left empty; with the default limit the same package is audited.
    @Test func aPackageThatExpandsPastTheLimitIsStoppedThere() throws {
        let folder = try Repository.scratch("audit-limit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let deb = try Self.zerosPackage(megabytes: 64, in: folder)
        let temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)

        let limited = try CLI.run(["audit", "--unpack", deb, "--format", "json"], environment: ["TMPDIR": temporary.path, UnpackLimit.variable: "8M"])
        #expect(limited.status == 2, "\(limited.stderr)")
        let report = try AuditReport.decode(limited.stdout)
        let error = report.files.first { $0.package == deb }?.error ?? ""
        #expect(error.hasPrefix("expands to more than 8 MiB (TLSPROBE_MAX_UNPACK_SIZE changes the limit): unpacking stopped at "), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty, "unpack folder left behind")

        let whole = try CLI.run(["audit", "--unpack", deb, "--format", "json"], environment: ["TMPDIR": temporary.path])
        #expect(whole.status == 0, "\(whole.stderr)")
        let audited = try AuditReport.decode(whole.stdout)
        #expect(audited.files.first { $0.path == "\(deb):/usr/bin/affected" }?.class == .affectedPattern, "\(audited.files.map(\.path))")
        #expect(audited.skipped.notELF == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty, "unpack folder left behind")
    }

    /// A package whose data.tar goes on after the archive's end: tar stops reading there,
    /// and what dpkg-deb still streams (64 MiB of zeros) counts against the limit too.
    @Test func aStreamThatGoesOnPastTheArchiveCountsAgainstTheLimit() throws {
        let folder = try Repository.scratch("audit-padding")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manager = FileManager.default
        let data = folder.appendingPathComponent("data"), control = folder.appendingPathComponent("control")
        try manager.createDirectory(at: data.appendingPathComponent("usr/bin"), withIntermediateDirectories: true)
        try manager.createDirectory(at: control, withIntermediateDirectories: true)
        try manager.copyItem(atPath: AuditFixtures.get().path("affected-pattern"), toPath: data.appendingPathComponent("usr/bin/affected").path)
        try "Package: padded\nVersion: 1\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: padded\n"
            .write(to: control.appendingPathComponent("control"), atomically: true, encoding: .utf8)
        try "2.0\n".write(to: folder.appendingPathComponent("debian-binary"), atomically: true, encoding: .utf8)
        let tarFile = folder.appendingPathComponent("data.tar").path
        for (tool, arguments) in [("/usr/bin/tar", ["-C", data.path, "-cf", tarFile, "."]),
                                  ("/usr/bin/tar", ["-C", control.path, "-czf", folder.appendingPathComponent("control.tar.gz").path, "."])] {
            let run = try ProcessRunner.run(tool, arguments)
            try #require(run.status == 0, "\(run.stderr)")
        }
        let size = try #require(try manager.attributesOfItem(atPath: tarFile)[.size] as? Int)
        #expect(truncate(tarFile, off_t(size + (64 << 20))) == 0)
        for (tool, arguments) in [("/bin/gzip", ["-1", tarFile]),
                                  ("/usr/bin/ar", ["rc", "padded.deb", "debian-binary", "control.tar.gz", "data.tar.gz"])] {
            let run = try ProcessRunner.run("/usr/bin/env", ["-C", folder.path, tool] + arguments)
            try #require(run.status == 0, "\(run.stderr)")
        }
        let deb = folder.appendingPathComponent("padded.deb").path

        let limited = try CLI.run(["audit", "--unpack", deb, "--format", "json"], environment: [UnpackLimit.variable: "8M"])
        #expect(limited.status == 2, "\(limited.stderr)")
        let error = try AuditReport.decode(limited.stdout).files.first { $0.package == deb }?.error ?? ""
        #expect(error.hasPrefix("expands to more than 8 MiB"), "\(error)")

        let whole = try CLI.run(["audit", "--unpack", deb, "--format", "json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try AuditReport.decode(whole.stdout).files.first { $0.path == "\(deb):/usr/bin/affected" }?.class == .affectedPattern)
    }

    @Test func anUnpackLimitThatIsNoSizeIsAUsageError() throws {
        let run = try CLI.run(["audit", "/usr/bin/true"], environment: [UnpackLimit.variable: "lots"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("TLSPROBE_MAX_UNPACK_SIZE: 'lots' is not a size"), "\(run.stderr)")
    }

    /// A TMPDIR with 4 MiB free (a tmpfs in a private mount namespace): "no space left on
    /// device", not "not a package dpkg-deb can unpack". Root only: it mounts.
    @Test(.enabled(if: geteuid() == 0)) func aFullDiskIsReportedAsOne() throws {
        let folder = try Repository.scratch("audit-enospc")
        defer { try? FileManager.default.removeItem(at: folder) }
        let deb = try Self.zerosPackage(megabytes: 32, in: folder)
        let small = folder.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: false)
        let script = #"mount -t tmpfs -o size=4m tmpfs "$1" && TMPDIR="$1" exec "$2" audit --unpack "$3" --format json"#
        let run = try ProcessRunner.run("/usr/bin/unshare", ["--mount", "/bin/sh", "-c", script, "sh", small.path, Repository.binary, deb])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        let error = report.files.first { $0.package == deb }?.error ?? ""
        #expect(error.hasPrefix("no space left on device in "), "\(error)")
        #expect(!error.contains("dpkg-deb can unpack"))
    }
}
