import CLinux
import Foundation
@testable import ProcessKit
import Testing
import TestSupport

/// The run's private folder: which leftovers a start removes, and a removal that neither
/// follows links out of the folder nor stops at a read-only folder.
@Suite struct PrivateFolderTests {
    @Test(arguments: [("tlsprobe-123-abcdef", Int32(123)), ("tlsprobe-1-XXXXXX", 1)])
    func aRunsFolderNameGivesItsPID(_ name: String, _ pid: Int32) {
        #expect(PrivateFolder.leftoverPID(name) == pid)
    }

    @Test(arguments: ["tlsprobe-audit-abcdef", "tlsprobe-test-1F2E", "tlsprobe-12-abc", "tlsprobe--abcdef", "tlsprobe-0-abcdef",
                      "tlsprobe-99999999999-abcdef", "tlsprobe-12-abcdef-x", "other-12-abcdef", "tlsprobe-+12-abcdef", "tlsprobe-١٢-abcdef"])
    func anyOtherNameIsNoRunsFolder(_ name: String) {
        #expect(PrivateFolder.leftoverPID(name) == nil)
    }

    /// A dead run's folder goes, with a read-only folder inside; a live run's stays, and so
    /// do a link named like a run's folder and whatever it points to.
    @Test func onlyDeadRunsFoldersGoAndLinksAreNotFollowed() throws {
        let base = try Repository.scratch("private-folder")
        defer { try? FileManager.default.removeItem(at: base) }
        let dead = base.appendingPathComponent("tlsprobe-999999999-abcdef")
        let live = base.appendingPathComponent("tlsprobe-\(getpid())-abcdef")
        let target = base.appendingPathComponent("target")
        for folder in [dead.appendingPathComponent("a/b"), live, target] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        try Data("x".utf8).write(to: dead.appendingPathComponent("a/b/file"))
        try Data("keep".utf8).write(to: target.appendingPathComponent("keep"))
        // Inside the dead folder, a link to the target: removing the folder removes the link only.
        try FileManager.default.createSymbolicLink(at: dead.appendingPathComponent("link"), withDestinationURL: target)
        try FileManager.default.createSymbolicLink(at: base.appendingPathComponent("tlsprobe-999999998-ghijkl"), withDestinationURL: target)
        chmod(dead.appendingPathComponent("a").path, 0o500)
        chmod(dead.appendingPathComponent("a/b").path, 0o500)

        let removed = PrivateFolder.removeLeftovers(base: base.path)

        #expect(removed == [dead.path])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: base.path))
        #expect(left == ["tlsprobe-\(getpid())-abcdef", "target", "tlsprobe-999999998-ghijkl"], "\(left)")
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("keep").path))
    }

    /// The removal a signal handler runs: a deep tree of files, folders and links goes whole.
    @Test func removeTreeRemovesADeepTree() throws {
        let base = try Repository.scratch("remove-tree")
        defer { try? FileManager.default.removeItem(at: base) }
        var folder = base
        for level in 0..<40 {
            folder = folder.appendingPathComponent("level\(level)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for index in 0..<30 { try Data().write(to: folder.appendingPathComponent("file-with-a-long-name-\(index)")) }
        }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("up"), withDestinationURL: base)
        #expect(tlsprobe_remove_tree(base.path) == 0)
        #expect(!FileManager.default.fileExists(atPath: base.path))
        #expect(tlsprobe_remove_tree(base.path) == 0, "a folder already gone is no error")
    }
}

/// The limits a run can hit, named as `ulimit` sets them.
@Suite struct ResourceLimitMessageTests {
    @Test(arguments: ["the loopback server could not start a thread to serve the cell: pthread_create failed: EAGAIN (Resource temporarily unavailable)",
                      "no ipv6 loopback here: pthread_create failed: EAGAIN",
                      "cannot start a worker: posix_spawn(/usr/bin/tlsprobe) failed: EAGAIN (Resource temporarily unavailable)"])
    func aThreadOrProcessThatCouldNotStartIsTheProcessLimit(_ reason: String) {
        #expect(ResourceLimit.message(inReason: reason)?.hasPrefix("cannot start a thread or process: the ") == true)
    }

    @Test func tooManyOpenFilesIsTheDescriptorLimit() {
        #expect(ResourceLimit.message(inReason: "cannot start a worker: pipe2 failed: EMFILE (Too many open files)")?
            .hasPrefix("cannot open a descriptor: the limit on open files") == true)
    }

    @Test(arguments: ["handshake: deadline passed", "connect failed: EAGAIN", "no ipv4 loopback here: bind failed: EADDRNOTAVAIL"])
    func otherReasonsAreNoLimit(_ reason: String) {
        #expect(ResourceLimit.message(inReason: reason) == nil)
    }
}
