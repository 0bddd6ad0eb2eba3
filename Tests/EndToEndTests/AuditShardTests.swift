import BinaryAudit
import Foundation
import TestSupport
import Testing

/// `tlsprobe audit --shard K/N` and `tlsprobe merge` of audit reports, as a CI job matrix
/// runs them: the C fixtures and the real Debian packages `AuditCommandTests` downloads,
/// cut into three shards, each audited by the real binary, then merged.
@Suite struct AuditShardTests {
    /// One input set for the suite: `set` holding `bin` (the fixtures, one per class) and
    /// `debs` (the real packages, found by their content), `set/bin` again, and the stripped
    /// static fixture given as a file of its own.
    struct Inputs {
        let folder: String
        let arguments: [String]
        /// Package names of the `.deb` files in `set/debs`.
        let packages: [String]
    }

    static let inputs: Result<Inputs, any Error> = Result {
        let built = try AuditFixtures.get()
        let debs = try AuditCommandTests.downloaded.get()
        let root = try ProcessScratch.make("audit-shard")
        let set = root.appendingPathComponent("set").path
        let manager = FileManager.default
        try manager.createDirectory(atPath: set + "/debs", withIntermediateDirectories: true)
        try manager.copyItem(atPath: built.folder, toPath: set + "/bin")
        for (name, path) in debs {
            try manager.copyItem(atPath: path, toPath: "\(set)/debs/\(name).deb")
        }
        // The set and a folder inside it: arguments that hold one another, whose order must not move a file between shards.
        return Inputs(folder: set, arguments: [set, set + "/bin", built.strippedEmbedded], packages: debs.keys.sorted())
    }

    /// `audit --format json` over `arguments`, its status, report and raw JSON.
    static func audit(_ arguments: [String]) throws -> (status: Int32, report: AuditReport, json: String, stderr: String) {
        let run = try CLI.run(["audit", "--format", "json"] + arguments)
        let report = try AuditReport.decode(run.stdout)
        return (run.status, report, run.output, run.stderr)
    }

    static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The JSON without what differs between two runs over the same inputs: when, how long, and the command line.
    static func normalised(_ json: String) throws -> String {
        var text = json
        for pattern in [#""generatedAt" *: *"[^"]*""#, #""durationMilliseconds" *: *[0-9.e+-]+"#, #""command" *: *\[[^\]]*\]"#] {
            let regex = try NSRegularExpression(pattern: pattern)
            let matches = regex.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            #expect(matches == 1, "\(pattern) found \(matches) times")
            text = regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "\"normalised\": 0")
        }
        return text
    }

    @Test func threeShardsAreDisjointCoverEverythingAndMergeIntoTheSingleRun() throws {
        let inputs = try Self.inputs.get()
        let whole = try Self.audit(["--shard", "1/1"] + inputs.arguments)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.report.shard == AuditShard(index: 1, count: 1))
        let packagesAudited = Set(whole.report.files.compactMap { $0.package == nil ? nil : $0.packageInfo?.name })
        #expect(packagesAudited == Set(inputs.packages), "\(packagesAudited)")
        // 6 fixtures, 5 packages, the stripped file.
        #expect(whole.report.inputUnits == AuditFixtures.classes.count + inputs.packages.count + 1)

        let folder = try Repository.scratch("audit-shard-reports")
        defer { try? FileManager.default.removeItem(at: folder) }
        var shards: [(status: Int32, report: AuditReport, json: String, stderr: String)] = []
        var paths: [String] = []
        for index in 1...3 {
            // The arguments in another order on each machine: the parts must not change.
            let arguments = index == 2 ? inputs.arguments.reversed() : inputs.arguments
            let shard = try Self.audit(["--shard", "\(index)/3"] + arguments)
            #expect(shard.status == 0, "shard \(index): \(shard.stderr)")
            #expect(shard.report.shard == AuditShard(index: index, count: 3))
            #expect(shard.report.inputFingerprint == whole.report.inputFingerprint)
            #expect(shard.report.inputUnits == whole.report.inputUnits)
            shards.append(shard)
            paths.append(try Self.write(shard.json, "shard-\(index).json", in: folder))
        }
        // Disjoint, and together every file of the single run.
        let parts = shards.map { Set($0.report.files.map(\.path)) }
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            #expect(parts[a].isDisjoint(with: parts[b]), "shards \(a + 1) and \(b + 1) share \(parts[a].intersection(parts[b]))")
        }
        #expect(parts.reduce(Set<String>()) { $0.union($1) } == Set(whole.report.files.map(\.path)))
        #expect(shards.map(\.report.files.count).reduce(0, +) == whole.report.files.count)
        // Each package's files all in one shard, and every shard holds something of this set.
        for package in inputs.packages {
            let holding = shards.indices.filter { index in shards[index].report.files.contains { $0.packageInfo?.name == package && $0.package != nil } }
            #expect(holding.count == 1, "\(package) in shards \(holding.map { $0 + 1 })")
        }
        #expect(shards.allSatisfy { !$0.report.files.isEmpty }, "a shard of nothing: the test cannot tell a cut from no cut")
        // The same shard again is the same part.
        let again = try Self.audit(["--shard", "2/3"] + inputs.arguments)
        #expect(Set(again.report.files.map(\.path)) == parts[1])

        // Merged in any order: the single run, byte for byte but for when, how long and the command.
        // docs/audit-schema.json describes a shard's report and a merge's.
        let valid = try AuditCommandTests.validate(paths[0])
        #expect(valid.status == 0, "\(valid.transcript)")
        for order in [paths, paths.reversed()] {
            let merged = try CLI.run(["merge", "--format", "json"] + order)
            let mergedValid = try AuditCommandTests.validate(try Self.write(merged.output, "merged.json", in: folder))
            #expect(mergedValid.status == 0, "\(mergedValid.transcript)")
            #expect(merged.status == whole.status, "\(merged.stderr)")
            #expect(try Self.normalised(merged.output) == Self.normalised(whole.json))
            let report = try AuditReport.decode(merged.stdout)
            #expect(report.summary == whole.report.summary && report.skipped == whole.report.skipped)
        }
        // Every audit format renders the merge.
        for format in ["text", "markdown", "junit", "sarif"] {
            let run = try CLI.run(["merge", "--format", format] + paths)
            #expect(run.status == 0 && !run.stdout.isEmpty, "\(format): \(run.stderr)")
        }
    }

    @Test func aMissingShardIsMergedAndSaidIncomplete() throws {
        let inputs = try Self.inputs.get()
        let folder = try Repository.scratch("audit-shard-missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for index in [1, 3] {
            paths.append(try Self.write(try Self.audit(["--shard", "\(index)/3"] + inputs.arguments).json, "s\(index).json", in: folder))
        }
        let run = try CLI.run(["merge", "--format", "json"] + paths)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("INCOMPLETE: shard 2 of 3 missing"), "\(run.stderr)")
        let report = try AuditReport.decode(run.stdout)
        #expect(report.incomplete == AuditIncompleteMerge(count: 3, merged: [1, 3], missing: [2]))
        #expect(report.shard == nil && report.verdict.hasPrefix("INCOMPLETE: "))
        // A definite finding still outranks it: the affected fixture is in one of the shards or the other.
        let affected = report.files.contains { $0.class == .affectedPattern }
        let failing = try CLI.run(["merge", "--fail-on", "affected-pattern"] + paths)
        #expect(failing.status == (affected ? 1 : 2), "\(failing.stderr)")
        // An incomplete merge is not merged again: the shards are.
        let merged = try Self.write(run.output, "merged.json", in: folder)
        let valid = try AuditCommandTests.validate(merged)
        #expect(valid.status == 0, "\(valid.transcript)")
        let again = try CLI.run(["merge", merged, paths[0]])
        #expect(again.status == 2 && again.stderr.contains("an incomplete merge itself"), "\(again.stderr)")
    }

    @Test func overlapsMismatchedInputsAndMixedKindsAreRefused() throws {
        let inputs = try Self.inputs.get()
        let folder = try Repository.scratch("audit-shard-refused")
        defer { try? FileManager.default.removeItem(at: folder) }
        let one = try Self.audit(["--shard", "1/2"] + inputs.arguments)
        let two = try Self.audit(["--shard", "2/2"] + inputs.arguments)
        let onePath = try Self.write(one.json, "one.json", in: folder)
        let twoPath = try Self.write(two.json, "two.json", in: folder)

        func refused(_ arguments: [String], saying words: String..., sourceLine: SourceLocation = #_sourceLocation) throws {
            let run = try CLI.run(["merge"] + arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)", sourceLocation: sourceLine)
            #expect(run.stdout.isEmpty, "a refused merge wrote \(run.output)", sourceLocation: sourceLine)
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)", sourceLocation: sourceLine)
            for word in words { #expect(run.stderr.contains(word), "\(word) not in \(run.stderr)", sourceLocation: sourceLine) }
        }
        // The same shard twice.
        let copy = try Self.write(one.json, "copy.json", in: folder)
        try refused([onePath, copy], saying: "give each shard once", "one.json", "copy.json")
        // A file in two reports: shard 2 with a file of shard 1 added.
        var tampered = two.report
        let moved = try #require(one.report.files.first)
        tampered.files.append(moved)
        let overlapping = try Self.write(String(decoding: try JSONEncoder().encode(tampered), as: UTF8.self), "overlap.json", in: folder)
        try refused([onePath, overlapping], saying: "overlap", moved.path, "one.json")
        // Shards cut from other inputs: one argument fewer.
        let fewer = try Self.audit(["--shard", "2/2"] + inputs.arguments.dropLast())
        #expect(fewer.report.inputFingerprint != one.report.inputFingerprint)
        try refused([onePath, try Self.write(fewer.json, "fewer.json", in: folder)], saying: "cut from other inputs", "fewer.json", "one.json")
        // Shards of another N.
        let third = try Self.audit(["--shard", "2/3"] + inputs.arguments)
        try refused([onePath, try Self.write(third.json, "third.json", in: folder)], saying: "different N", "third.json", "one.json")
        // A plain audit is no shard.
        let plain = try Self.audit(inputs.arguments)
        #expect(plain.report.shard == nil && plain.report.inputFingerprint == nil)
        try refused([onePath, try Self.write(plain.json, "plain.json", in: folder)], saying: "not the report of a shard", "plain.json")
        // A matrix report and an audit report.
        let matrix = try CLI.run(["matrix", "--runtime", "system", "--mode", "fd", "--family", "ipv4", "--format", "json"])
        #expect(matrix.status == 0, "\(matrix.stderr)")
        let matrixPath = try Self.write(matrix.output, "matrix.json", in: folder)
        try refused([onePath, matrixPath], saying: "one kind at a time", "one.json", "matrix.json")
        try refused([matrixPath, twoPath], saying: "one kind at a time", "two.json", "matrix.json")
        // SARIF and --fail-on are the audit's: refused for matrix reports, after reading them.
        try refused([matrixPath, "--format", "sarif"], saying: "sarif is a format of tlsprobe audit only", "merge of matrix reports writes")
        try refused([matrixPath, "--fail-on", "affected-pattern"], saying: "--fail-on applies to audit reports")
        // The two halves merge.
        let halves = try CLI.run(["merge", "--format", "json", onePath, twoPath])
        #expect(halves.status == 0, "\(halves.stderr)")
    }

    @Test(arguments: ["0/3", "4/3", "3", "1/0", "1/10001", "a/b", "-1/3", "1/3/5", "/3", "1/"])
    func aShardOutsideOneToNIsAUsageError(_ shard: String) throws {
        let built = try AuditFixtures.get()
        let run = try CLI.run(["audit", "--shard", shard, built.folder])
        #expect(run.status == 2, "\(shard): \(run.stderr)")
        #expect(run.stderr.contains("--shard"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
