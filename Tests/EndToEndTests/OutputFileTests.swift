import Foundation
import MatrixModel
import ProxyCore
import TestSupport
import Testing

/// `--output` writes only a new path or an existing regular file, keeps that file's
/// owner and mode, follows a symlink to its target, and leaves no temporary file behind.
/// Each special file is made in a private temporary folder, never a real `/dev` entry.
@Suite struct OutputFileTests {
    static let quick = ["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off", "--format", "json"]

    static func kind(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    /// Every file the folder holds, so a leftover `.NAME.PID.….tmp` shows.
    static func contents(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func aDeviceNodeIsRefusedAndStaysADevice() throws {
        let folder = try Repository.scratch("output")
        let device = folder.appendingPathComponent("null").path
        // The device numbers of /dev/null: major 1, minor 3 (glibc's makedev for small numbers).
        #expect(mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0, "mknod: \(ErrnoName.describe(errno))")
        let run = try CLI.run(Self.quick + ["--output", device])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("character device"))
        #expect(run.stdout.isEmpty, "refused before any probe ran")
        #expect(Self.kind(device) == S_IFCHR)
    }

    @Test(arguments: ["fifo", "folder", "socket"])
    func otherSpecialFilesAreRefused(_ kind: String) throws {
        let folder = try Repository.scratch("output")
        let path = folder.appendingPathComponent(kind).path
        var listener: Int32 = -1
        switch kind {
        case "fifo": #expect(mkfifo(path, 0o644) == 0)
        case "folder": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        default:
            listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
        }
        defer { if listener >= 0 { close(listener) } }
        let before = Self.kind(path)
        let run = try CLI.run(Self.quick + ["--output", path])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(Self.kind(path) == before, "\(kind) was replaced")
    }

    /// The symlink is followed: the target is rewritten with its owner and mode, the link stays a link.
    @Test func aSymlinkToAFileOfAnotherOwnerKeepsLinkOwnerAndMode() throws {
        try #require(getuid() == 0, "needs root to give the file to another owner (CI is root)")
        let folder = try Repository.scratch("output")
        let target = folder.appendingPathComponent("report.json").path
        let link = folder.appendingPathComponent("latest.json").path
        try "old\n".write(toFile: target, atomically: false, encoding: .utf8)
        #expect(chmod(target, 0o600) == 0)
        #expect(chown(target, 65534, 65534) == 0)
        #expect(symlink("report.json", link) == 0)
        let run = try CLI.run(Self.quick + ["--output", link])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(Self.kind(link) == S_IFLNK)
        var info = stat()
        #expect(stat(target, &info) == 0)
        #expect(info.st_uid == 65534 && info.st_gid == 65534, "owner \(info.st_uid):\(info.st_gid)")
        #expect(info.st_mode & 0o7777 == 0o600, "mode \(String(info.st_mode & 0o7777, radix: 8))")
        let written = try Report.decode(Data(contentsOf: URL(fileURLWithPath: target)))
        #expect(written.cells.count == 1)
        #expect(try Self.contents(folder) == ["latest.json", "report.json"])
    }

    /// `ulimit -f 0`: write(2) fails with EFBIG (SIGXFSZ is ignored), the run says so,
    /// and the temporary file is gone.
    @Test func aFileSizeLimitIsAnErrorAndLeavesNoDebris() throws {
        let folder = try Repository.scratch("output")
        let path = folder.appendingPathComponent("report.json").path
        let run = try CLI.run(Self.quick + ["--output", path],
                              through: ["/bin/sh", "-c", "ulimit -f 0 && exec \"$0\" \"$@\""])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("EFBIG"), "\(run.stderr)")
        let left = try Self.contents(folder)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test func dashIsStandardOutput() throws {
        let folder = try Repository.scratch("output")
        let run = try CLI.run(Self.quick + ["--output", "-"], through: ["/usr/bin/env", "-C", folder.path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(try Report.decode(run.stdout).cells.count == 1)
        let left = try Self.contents(folder)
        #expect(left.isEmpty, "a file named - was written: \(left)")
    }

    /// A full disk or a closed stdout is one line on stderr and exit 2, never a trap.
    @Test(arguments: ["exec \"$0\" \"$@\" > /dev/full", "exec \"$0\" \"$@\" >&-"])
    func anUnwritableStdoutIsOneLineAndExitTwo(_ script: String) throws {
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--tfo", "off"], through: ["/bin/sh", "-c", script])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("tlsprobe: cannot write to standard output:"), "\(run.stderr)")
    }
}
