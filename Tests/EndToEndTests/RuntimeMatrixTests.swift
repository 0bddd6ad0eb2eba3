import Foundation
import ProbeKit
import Testing

/// Debian's OpenSSL 3.5 (trixie) and 3.6 (sid) beside the linked 3.0, fetched by
/// the project's own script (idempotent): the regression and the fix side by side.
enum Runtimes {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Fetches `suite` and returns its folder; a fetch failure fails the calling test.
    static func fetch(_ suite: String) throws -> String {
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/fetch-openssl-runtime")
        process.arguments = [suite]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let path = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationStatus == 0, !path.isEmpty else {
            throw FetchFailed(suite: suite, status: process.terminationStatus)
        }
        return path
    }

    struct FetchFailed: Error, CustomStringConvertible {
        let suite: String
        let status: Int32
        var description: String { "scripts/fetch-openssl-runtime \(suite) failed with status \(status)" }
    }

    /// One three-runtime run for the whole suite.
    static let report: Result<Report, any Error> = Result {
        let trixie = try fetch("trixie")
        let sid = try fetch("sid")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--runtime", sid, "--format", "json"])
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(status: run.status, stderr: run.stderr) }
        return try Report.decode(run.stdout)
    }

    struct CLIFailed: Error, CustomStringConvertible {
        let status: Int32
        let stderr: String
        var description: String { "tlsprobe matrix exited \(status): \(stderr)" }
    }
}

@Suite struct RuntimeMatrixTests {
    func cells(_ report: Report, runtimeMinor minor: UInt) -> [CellResult] {
        let names = report.runtimes.filter { $0.openSSL?.runtimeMajor == 3 && $0.openSSL?.runtimeMinor == minor }.map(\.name)
        return report.cells.filter { names.contains($0.runtime) }
    }

    @Test func eachRuntimeLoadedItsOwnLibrary() throws {
        let report = try Runtimes.report.get()
        #expect(report.runtimes.count == 3)
        #expect(report.runtimeErrors.isEmpty)
        let minors = report.runtimes.compactMap { $0.openSSL?.runtimeMinor }
        #expect(minors == [0, 5, 6])
        for runtime in report.runtimes.dropFirst() {
            let folder = try #require(runtime.folder)
            let loaded = try #require(runtime.openSSL?.libsslPath)
            #expect(URL(fileURLWithPath: loaded).resolvingSymlinksInPath().path.hasPrefix(folder), "\(loaded) not in \(folder)")
            #expect(runtime.openSSL?.socketBIOOwnsData == true)
            #expect(runtime.memoryAccounting == true)
        }
        #expect(report.runtimes.first?.openSSL?.socketBIOOwnsData == false)
        #expect(report.cells.count == 3 * MatrixPlan().cells.count, "every planned cell has an outcome")
    }

    @Test(arguments: [UInt(5), 6])
    func legacyDesignFailsWithTFOOffFrom32(_ minor: UInt) throws {
        let report = try Runtimes.report.get()
        let clientBit = (report.environment.tcpFastopen ?? 0) & 1 != 0
        let legacy = cells(report, runtimeMinor: minor).filter {
            $0.mode == .legacyFastOpen && $0.tfo == .off && $0.phase == .handshake
        }
        #expect(legacy.count == 2)
        for cell in legacy {
            #expect(cell.outcome == .failed)
            let write = try #require(cell.firstWrite)
            #expect(write.syscall == "sendto")
            #expect(write.flags == ["MSG_FASTOPEN"])
            #expect(write.addressLength == 0)
            #expect(write.result == -1)
            if clientBit {
                #expect(write.errnoName == "EINVAL", "the upstream report's errno, with the client bit set")
            } else {
                #expect(write.errno != nil, "whatever the syscall returned, recorded")
            }
            #expect(cell.errnoName == write.errnoName)
        }
        let finding = try #require(report.diagnosis.first {
            $0.runtime == legacy.first?.runtime && $0.title.contains("TFO-off")
        })
        #expect(Set(finding.evidence) == Set(legacy.map(\.cell.name)))
    }

    @Test(arguments: [UInt(5), 6])
    func migrationTrapIsAcceptedThenFails(_ minor: UInt) throws {
        let report = try Runtimes.report.get()
        let trap = cells(report, runtimeMinor: minor).filter { $0.mode == .socketConnAddress && $0.tfo == .on }
        #expect(trap.count == 2)
        for cell in trap {
            #expect(cell.outcome == .failed)
            #expect(cell.notes.contains { $0.contains("accepted BIO_set_conn_address") })
            #expect(cell.firstWrite?.syscall == "write")
        }
    }

    @Test(arguments: [UInt(0), 5, 6])
    func fixedModesAreOkAndClean(_ minor: UInt) throws {
        let report = try Runtimes.report.get()
        var fixed: Set<BIOMode> = [.exDataFastOpen, .fd, .fastOpenConnect, .proxyCore]
        if minor >= 2 { fixed.insert(.nativeTFO) }
        let mine = cells(report, runtimeMinor: minor).filter { fixed.contains($0.mode) }
        #expect(!mine.isEmpty)
        for cell in mine where cell.outcome != .skipped {
            #expect(cell.outcome == .ok, "\(cell.runtime) \(cell.cell.name): \(cell.reason ?? "")")
            #expect(cell.memory?.isClean == true, "\(cell.runtime) \(cell.cell.name): \(String(describing: cell.memory))")
        }
    }

    @Test func legacyDesignWorksOnTheLinked30() throws {
        let report = try Runtimes.report.get()
        let legacy = cells(report, runtimeMinor: 0).filter { $0.mode == .legacyFastOpen && $0.outcome != .skipped }
        #expect(!legacy.isEmpty)
        let clientBit = (report.environment.tcpFastopen ?? 0) & 1 != 0
        for cell in legacy where cell.tfo == .off || clientBit {
            #expect(cell.outcome == .ok, "\(cell.cell.name): \(cell.reason ?? "")")
            #expect(cell.memory?.isClean == true)
        }
    }

    /// On 3.5 the legacy design leaks OpenSSL's socket-BIO struct with TFO on, and
    /// its teardown makes OpenSSL free the application's address.
    @Test func leaksAndForeignFreesOn35() throws {
        let report = try Runtimes.report.get()
        let legacy = cells(report, runtimeMinor: 5).filter { $0.mode == .legacyFastOpen && $0.tfo == .on }
        let handshake = legacy.filter { $0.phase == .handshake }
        let teardown = legacy.filter { $0.phase == .teardown }
        #expect(handshake.count == 2 && teardown.count == 2)
        for cell in handshake {
            #expect((cell.memory?.leakedAllocations ?? 0) >= 1, "\(cell.cell.name): \(String(describing: cell.memory))")
        }
        for cell in teardown {
            #expect((cell.memory?.foreignFrees ?? 0) >= 1, "\(cell.cell.name): \(String(describing: cell.memory))")
            #expect(cell.outcome == .failed)
        }
        let proxyCore = cells(report, runtimeMinor: 5).filter { $0.mode == .proxyCore }
        #expect(proxyCore.count == 8)
        #expect(proxyCore.allSatisfy { $0.memory == MemoryEvidence(leakedAllocations: 0, leakedBytes: 0, foreignFrees: 0) })
    }
}

@Suite struct IsolationTests {
    @Test func aCrashingCellIsReportedAndTheRestComplete() throws {
        let crashing = "fd/tfo-off/ipv6"
        let run = try CLI.run(["matrix", "--mode", "fd", "--mode", "exdata-fastopen", "--debug-crash", crashing, "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        let planned = MatrixPlan(modes: [.fd, .exDataFastOpen]).cells
        #expect(report.cells.map(\.cell) == planned)
        let crashed = try #require(report.cells.first { $0.cell.name == crashing })
        #expect(crashed.outcome == .crashed)
        #expect(crashed.signal == "SIGSEGV")
        for cell in report.cells where cell.cell.name != crashing && cell.outcome != .skipped {
            #expect(cell.outcome == .ok, "\(cell.cell.name) after the crash: \(cell.reason ?? "")")
        }
    }

    @Test func aHangingCellTimesOutWithinTheDeadline() throws {
        let hanging = "exdata-fastopen/tfo-on/ipv4"
        let started = Date()
        let run = try CLI.run(["matrix", "--mode", "exdata-fastopen", "--phase", "handshake", "--timeout", "1",
                               "--debug-hang", hanging, "--format", "json"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.count == 4)
        let hung = try #require(report.cells.first { $0.cell.name == hanging })
        #expect(hung.outcome == .timeout)
        // The cell's 1 s deadline plus the supervisor's 1 s margin, and a little for process start.
        #expect(hung.durationMilliseconds >= 1000 && hung.durationMilliseconds < 2500, "\(hung.durationMilliseconds) ms")
        #expect(elapsed < 6, "whole run took \(elapsed) s")
        #expect(report.cells.filter { $0.cell.name != hanging }.allSatisfy { $0.outcome == .ok || $0.outcome == .skipped })
    }
}

@Suite struct RuntimeFolderTests {
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A folder holding copies of the system's libssl and libcrypto, as a user's own build would.
    func folderWithSystemLibraries() throws -> URL {
        let folder = try temporaryFolder()
        for name in ["libssl.so.3", "libcrypto.so.3"] {
            try FileManager.default.copyItem(atPath: "/usr/lib/x86_64-linux-gnu/\(name)", toPath: folder.appendingPathComponent(name).path)
        }
        return folder
    }

    @Test func missingFolderIsAUsageError() throws {
        let run = try CLI.run(["matrix", "--runtime", "/nonexistent/openssl", "--mode", "fd"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("/nonexistent/openssl"))
        #expect(run.stdout.isEmpty)
    }

    @Test func badFolderStillLetsTheOthersRun() throws {
        let empty = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", empty.path, "--mode", "fd", "--format", "json"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(empty.path) && run.stderr.contains("libssl.so.3"))
        let report = try Report.decode(run.stdout)
        #expect(report.cells.count == 4)
        #expect(report.runtimes.last?.error != nil)
        #expect(report.cells.allSatisfy { $0.runtime == "system" })
    }

    @Test func wrongArchitectureIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["libssl.so.3", "libcrypto.so.3"] {
            try Data("not a library".utf8).write(to: folder.appendingPathComponent(name))
        }
        let run = try CLI.run(["matrix", "--runtime", folder.path, "--mode", "fd"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(folder.path) && run.stderr.contains("not an ELF file"))
    }

    @Test func aLoaderThatCannotStartIsNamed() throws {
        let folder = try folderWithSystemLibraries()
        defer { try? FileManager.default.removeItem(at: folder) }
        // An ELF program of the right architecture that is no loader: it exits at once.
        try FileManager.default.copyItem(atPath: "/bin/false", toPath: folder.appendingPathComponent("ld-linux-x86-64.so.2").path)
        let run = try CLI.run(["matrix", "--runtime", folder.path, "--mode", "fd"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(folder.path) && run.stderr.contains("did not start"))
    }

    /// A folder with just the two libraries, as a user's own OpenSSL build leaves
    /// them, runs through LD_LIBRARY_PATH, and the worker proves it loaded them.
    @Test func aFolderWithOnlyTheLibrariesRunsThroughLDLibraryPath() throws {
        let folder = try folderWithSystemLibraries()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CLI.run(["matrix", "--runtime", folder.path, "--mode", "fd", "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.runtimes.first?.openSSL?.libsslPath?.hasPrefix(folder.path) == true)
        #expect(report.cells.allSatisfy { $0.outcome == .ok || $0.outcome == .skipped })
    }
}
