import Foundation
import Matrix
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What tlsprobe runs code from: only what root and this user alone can change.
@Suite struct FolderTrustTests {
    @Test func aPrivateFolderAndTheSystemsLibrariesAreTrusted() throws {
        let folder = try Repository.scratch("trust")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(FolderTrust.problem(with: folder.path) == nil, "a folder under /tmp, which has the sticky bit")
        #expect(FolderTrust.problem(with: "/usr/bin/env") == nil)
    }

    @Test func aWritableFolderAnywhereAboveIsNamedWithItsOwnerAndMode() throws {
        let folder = try Repository.scratch("trust-writable")
        defer { try? FileManager.default.removeItem(at: folder) }
        let inner = folder.appendingPathComponent("lib")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: false)
        let library = inner.appendingPathComponent("libx.so")
        try Data().write(to: library)
        chmod(folder.path, 0o777)
        let problem = try #require(FolderTrust.problem(with: library.path))
        #expect(problem.hasPrefix("\(folder.path) is writable by other users (owner uid \(geteuid())"), "\(problem)")
        #expect(problem.contains("mode 0777"))
        chmod(folder.path, 0o755)
        chmod(library.path, 0o666)
        #expect(FolderTrust.problem(with: library.path)?.hasPrefix("\(library.path) is writable by other users") == true)
        // /tmp itself may be shared (sticky) only as the folder tlsprobe makes its own folder in.
        #expect(FolderTrust.problem(with: "/tmp") != nil)
        #expect(FolderTrust.problem(with: "/tmp", sharedFolder: true) == nil)
    }

    @Test func aLinkIsJudgedByWhereItLeads() throws {
        let folder = try Repository.scratch("trust-link")
        defer { try? FileManager.default.removeItem(at: folder) }
        let shared = folder.appendingPathComponent("shared")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: false)
        chmod(shared.path, 0o777)
        try Data().write(to: shared.appendingPathComponent("libssl.so.3"))
        let link = folder.appendingPathComponent("libssl.so.3")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: shared.appendingPathComponent("libssl.so.3"))
        #expect(FolderTrust.problem(with: link.path)?.hasPrefix("\(shared.path) is writable") == true)
    }
}
