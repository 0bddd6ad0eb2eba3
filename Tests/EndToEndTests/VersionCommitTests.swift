import Foundation
import Matrix
import TestSupport
import Testing

/// `tlsprobe --version` names the git commit the binary was built from, read from the
/// note `scripts/lib/stamp-commit` adds (as `scripts/package` does), with no source
/// tree at run time; a binary nobody stamped says `commit unknown`.
@Suite struct VersionCommitTests {
    static let stamp = Repository.path("scripts/lib/stamp-commit")

    /// The first line of `BINARY --version`.
    static func firstLine(_ binary: String) throws -> String {
        let run = try ProcessRunner.run(binary, ["--version"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(run.output.split(separator: "\n").first.map(String.init), "\(run.stderr)")
    }

    /// A copy of the built binary in a folder of its own, away from the checkout.
    static func copy(into folder: URL) throws -> String {
        let copy = folder.appendingPathComponent("tlsprobe").path
        try ExecutableCopy.make(from: Repository.binary, to: copy)
        return copy
    }

    @Test func anUnstampedBinarySaysCommitUnknown() throws {
        #expect(BuildIdentity(executable: Repository.binary).commit == nil, "the build under test is a plain swift build")
        let first = try Self.firstLine(Repository.binary)
        #expect(first.contains("; commit unknown; Linux "), "\(first)")
    }

    @Test func aStampedCopyNamesItsCommit() throws {
        let folder = try Repository.scratch("version-commit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = try Self.copy(into: folder)
        let commit = "0123456789abcdef0123456789abcdef01234567-dirty"
        let stamped = try ProcessRunner.run(Self.stamp, [copy, commit])
        #expect(stamped.status == 0, "\(stamped.stderr)")
        #expect(stamped.output == commit + "\n")
        let first = try Self.firstLine(copy)
        let original = BuildIdentity(executable: Repository.binary)
        #expect(first.contains(" (build \(original.buildID ?? "unknown"); commit \(commit); Linux "), "the build id is untouched: \(first)")
        #expect(BuildIdentity(executable: copy) == BuildIdentity(version: original.version, buildID: original.buildID, commit: commit))

        // Stamped again: the new commit replaces the old one; readelf -n shows the note.
        let again = try ProcessRunner.run(Self.stamp, [copy, "abcdef1"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.firstLine(copy).contains("; commit abcdef1; Linux "))
        let notes = try ProcessRunner.run("/usr/bin/readelf", ["-n", copy])
        #expect(notes.output.contains(".note.tlsprobe.commit"), "\(notes.output.suffix(400))")
        let sections = try ProcessRunner.run("/usr/bin/readelf", ["-S", "-W", copy])
        #expect(sections.output.components(separatedBy: ".note.tlsprobe.commit").count == 2, "one note section, not two")

        // What is no commit is refused, and the binary is left as it was.
        let refused = try ProcessRunner.run(Self.stamp, [copy, "not a commit"])
        #expect(refused.status == 1 && refused.stderr.contains("is not a commit"), "\(refused.stderr)")
        #expect(try Self.firstLine(copy).contains("; commit abcdef1; Linux "))
    }

    /// Without a commit given, the script records this checkout's HEAD, as `scripts/package` does.
    @Test func theCheckoutsHeadByDefault() throws {
        let head = try ProcessRunner.run("/usr/bin/git", ["-C", Repository.root.path, "rev-parse", "HEAD"])
        try #require(head.status == 0, "the tests run from a git checkout: \(head.stderr)")
        let folder = try Repository.scratch("version-head")
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = try Self.copy(into: folder)
        let stamped = try ProcessRunner.run("/usr/bin/env", ["-C", folder.path, Self.stamp, copy])
        #expect(stamped.status == 0, "\(stamped.stderr)")
        let commit = stamped.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(commit == head.output.trimmingCharacters(in: .whitespacesAndNewlines)
                || commit == head.output.trimmingCharacters(in: .whitespacesAndNewlines) + "-dirty", "\(commit)")
        #expect(try Self.firstLine(copy).contains("; commit \(commit); Linux "))
    }
}
