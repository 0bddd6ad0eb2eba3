import BinaryAudit
import Foundation
import TestSupport
import Testing

/// Untrusted ELF input that used to take the whole run down, through the built binary:
/// crafted files among good ones, and FIFOs where a runtime's libraries should be.
@Suite struct ELFInputTests {
    // MARK: Crafted ELF files

    /// One bad file used to kill the audit with a Swift trap and no report; now each is
    /// an `error` line, the good file beside them keeps its class, and the exit code is
    /// the documented 2 ("a file could not be read").
    @Test func craftedFilesAreErrorsAndTheGoodOneIsStillAudited() throws {
        let folder = try Repository.scratch("audit-crafted")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases = try CraftedELF.write(into: folder)
        try FileManager.default.copyItem(atPath: AuditFixtures.get().path("own-bio"), toPath: folder.appendingPathComponent("good-own-bio").path)
        let run = try CLI.run(["audit", folder.path, "--format", "json"])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Backtracing"), "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.files.first { $0.path.hasSuffix("/good-own-bio") }?.class == .ownBIO)
        for crafted in cases {
            let file = report.files.first { $0.path.hasSuffix("/" + crafted.name) }
            #expect(file?.class == .error && file?.error?.contains(crafted.reason) == true,
                    "\(crafted.name): \(file?.error ?? "not in the report")")
        }
        #expect(report.files.count == cases.count + 1)
    }

    // MARK: FIFOs in a runtime folder

    /// A FIFO named like a library: opening it used to block matrix and gate forever.
    /// `timeout` bounds the test if it ever blocks again (status 124).
    @Test(arguments: ["libssl.so.3", "libcrypto.so.3"], [["matrix"], ["gate", "--family", "ipv4"]])
    func aFIFOInARuntimeFolderIsRefusedAtOnce(_ fifoName: String, _ command: [String]) throws {
        let folder = try Repository.scratch("runtime-fifo")
        defer { try? FileManager.default.removeItem(at: folder) }
        for library in ["libssl.so.3", "libcrypto.so.3"] where library != fifoName {
            try FileManager.default.copyItem(atPath: "/usr/lib/x86_64-linux-gnu/\(library)", toPath: folder.appendingPathComponent(library).path)
        }
        #expect(mkfifo(folder.appendingPathComponent(fifoName).path, 0o644) == 0)
        let started = Date()
        let run = try CLI.run(command + ["--runtime", folder.path, "--mode", "fd"], through: ["/usr/bin/timeout", "60"])
        #expect(run.status == 2, "\(run.status): \(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(run.stderr.contains("\(fifoName): not a regular file (a FIFO)"), "\(run.stderr)")
    }
}
