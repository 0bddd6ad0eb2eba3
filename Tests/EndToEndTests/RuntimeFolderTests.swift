import Foundation
import MatrixModel
import TestSupport
import Testing

/// Runtime folders that cannot be used, and one a user's own OpenSSL build would leave.
@Suite struct RuntimeFolderTests {
    /// A folder holding copies of the system's libssl and libcrypto, as a user's own build would.
    func folderWithSystemLibraries() throws -> URL {
        let folder = try Repository.scratch("runtime")
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

    /// The loader's library path splits on ':' and ';': a folder whose path holds one would
    /// add other folders (the current one among them) to the search, so it is refused.
    @Test(arguments: ["rt;x", "rt:x", "rt\nx"])
    func aFolderTheLoaderCannotBeGivenIsRefused(_ name: String) throws {
        let scratch = try Repository.scratch("runtime-path")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let folder = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        for library in ["libssl.so.3", "libcrypto.so.3"] {
            try FileManager.default.copyItem(atPath: "/usr/lib/x86_64-linux-gnu/\(library)", toPath: folder.appendingPathComponent(library).path)
        }
        let run = try CLI.run(["matrix", "--runtime", folder.path, "--mode", "fd", "--format", "json"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("which the loader's library path cannot carry"), "\(run.stderr)")
    }

    @Test func badFolderStillLetsTheOthersRun() throws {
        let empty = try Repository.scratch("runtime")
        defer { try? FileManager.default.removeItem(at: empty) }
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", empty.path, "--mode", "fd", "--format", "json"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(empty.path) && run.stderr.contains("has no libssl.so.N"), "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.count == 4)
        #expect(report.runtimes.last?.error != nil)
        #expect(report.cells.allSatisfy { $0.runtime == "system" })
    }

    @Test func wrongArchitectureIsRefused() throws {
        let folder = try Repository.scratch("runtime")
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
        try ExecutableCopy.make(from: "/bin/false", to: folder.appendingPathComponent("ld-linux-x86-64.so.2").path)
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
