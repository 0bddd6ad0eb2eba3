import AuditClassification
import BinaryAudit
import Testing

/// The shard arithmetic: parsing `K/N`, FNV-1a 64, and a part per key.
@Suite struct AuditShardUnitTests {
    @Test func fnv1a64MatchesItsPublishedVectors() {
        // The offset basis, and "a" and "foobar" from the FNV reference test suite.
        #expect(AuditShard.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(AuditShard.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(AuditShard.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func everyKeyIsInExactlyOnePart() {
        let keys = (0..<500).map { "package:lib\($0)" }
        for count in [1, 2, 3, 7, 10_000] {
            for key in keys {
                let parts = (1...min(count, 50)).filter { AuditShard(index: $0, count: count).holds(key: key) }
                let expected = Int(AuditShard.fnv1a64(key) % UInt64(count)) + 1
                #expect(parts == (expected <= 50 ? [expected] : []), "\(key) in \(parts) of \(count)")
            }
        }
        // Three parts of 500 keys: none is empty, none holds nearly all.
        let sizes = (1...3).map { index in keys.filter { AuditShard(index: index, count: 3).holds(key: $0) }.count }
        #expect(sizes.allSatisfy { $0 > 100 }, "\(sizes)")
    }

    @Test func parseTakesOneToNAndNothingElse() throws {
        #expect(try AuditShard.parse("2/8").get() == AuditShard(index: 2, count: 8))
        #expect(try AuditShard.parse("10000/10000").get() == AuditShard(index: 10_000, count: 10_000))
        for bad in ["0/3", "4/3", "3", "1/0", "1/10001", "a/b", "-1/3", "+1/3", "1/3/5", "/3", "1/", " 1/3", "١/٣"] {
            guard case .failure(let error) = AuditShard.parse(bad) else {
                Issue.record("\(bad) accepted")
                continue
            }
            #expect(error.description.contains("--shard"), "\(error)")
        }
    }
}

/// `AuditReportMerger` on reports made here: sums, order, the incomplete merge, refusals.
@Suite struct AuditReportMergerTests {
    static func file(_ path: String, package: String? = nil, _ auditClass: AuditClass) -> AuditedFile {
        var file = AuditedFile(path: path, package: package.map { "\($0).deb" }, class: auditClass,
                               error: auditClass == .error ? "truncated" : nil)
        file.packageInfo = package.map { DebianPackageInfo(name: $0, version: "1", architecture: "amd64", source: $0, sourceVersion: "1") }
        return file
    }

    static func shard(_ index: Int, of count: Int, _ files: [AuditedFile], notELF: Int = 0, fingerprint: String = "fnv1a64:0123456789abcdef",
                      failOn: AuditFailureThreshold? = nil) -> AuditReport {
        var skipped = AuditSkipped()
        skipped.notELF = notELF
        return AuditReport(command: ["tlsprobe", "audit"], inputs: ["debs"], readers: 2, durationMilliseconds: 10, failOn: failOn,
                           skipped: skipped, files: AuditReport.shardOrder(files), hostname: "h",
                           shard: AuditShard(index: index, count: count), inputFingerprint: fingerprint, inputUnits: 4)
    }

    @Test func countsAreSummedAndFilesSortedByPackageThenPath() throws {
        let one = Self.shard(1, of: 2, [Self.file("b.deb:/usr/bin/b", package: "b", .affectedPattern), Self.file("debs/x", .notOpenSSL)], notELF: 3)
        let two = Self.shard(2, of: 2, [Self.file("a.deb:/usr/lib/a", package: "a", .ownBIO), Self.file("a.deb:/usr/bin/a", package: "a", .error)],
                             notELF: 4)
        let merged = try AuditReportMerger.merge([.init(source: "2.json", report: two), .init(source: "1.json", report: one)], command: ["merge"])
        #expect(merged.files.map(\.path) == ["debs/x", "a.deb:/usr/bin/a", "a.deb:/usr/lib/a", "b.deb:/usr/bin/b"])
        #expect(merged.summary[.affectedPattern] == 1 && merged.summary[.error] == 1 && merged.summary[.ownBIO] == 1)
        #expect(merged.skipped.notELF == 7 && merged.durationMilliseconds == 20)
        #expect(merged.shard == .whole && merged.incomplete == nil && merged.outcome == .unreadable)
        // The order does not depend on which report came first.
        let other = try AuditReportMerger.merge([.init(source: "1.json", report: one), .init(source: "2.json", report: two)], command: ["merge"])
        #expect(other.files == merged.files)
    }

    @Test func aMissingShardMakesTheMergeIncompleteUnlessAFileFails() throws {
        let one = Self.shard(1, of: 3, [Self.file("b.deb:/usr/bin/b", package: "b", .affectedPattern)])
        let merged = try AuditReportMerger.merge([.init(source: "1.json", report: one)], command: ["merge"])
        #expect(merged.incomplete == AuditIncompleteMerge(count: 3, merged: [1], missing: [2, 3]))
        #expect(merged.shard == nil && merged.outcome == .incomplete)
        #expect(merged.verdict.hasPrefix("INCOMPLETE: shards 2, 3 of 3 missing, their inputs not audited; AFFECTED: 1 file"), "\(merged.verdict)")
        let failing = try AuditReportMerger.merge([.init(source: "1.json", report: one)], command: ["merge"], failOn: .affectedPattern)
        #expect(failing.outcome == .failing)
    }

    @Test func mismatchedShardsAreRefusedNamingBothFiles() {
        let one = Self.shard(1, of: 2, [Self.file("debs/x", .notOpenSSL)])
        func refusal(_ other: AuditReport, failOn: AuditFailureThreshold? = nil) -> String? {
            do {
                _ = try AuditReportMerger.merge([.init(source: "one.json", report: one), .init(source: "other.json", report: other)],
                                                command: ["merge"], failOn: failOn)
                return nil
            } catch {
                return error.description
            }
        }
        let cases: [(AuditReport, String)] = [
            (Self.shard(1, of: 2, [Self.file("debs/y", .notOpenSSL)]), "other.json: shard 1/2, as one.json is: give each shard once"),
            (Self.shard(2, of: 2, [Self.file("debs/x", .notOpenSSL)]), "other.json: holds debs/x, as one.json does: the shards overlap"),
            (Self.shard(2, of: 3, []), "other.json: shard 2/3, but one.json is shard 1/2: shards of different N"),
            (Self.shard(2, of: 2, [], fingerprint: "fnv1a64:ffffffffffffffff"), "other.json: cut from other inputs than one.json"),
            (Self.shard(2, of: 2, [], failOn: .inheritsSocketBIO), "different --fail-on thresholds"),
            (AuditReport(command: [], inputs: [], readers: 1, durationMilliseconds: 0, failOn: nil, skipped: AuditSkipped(), files: []),
             "other.json: not the report of a shard"),
        ]
        for (other, expected) in cases {
            let said = refusal(other)
            #expect(said?.contains(expected) == true, "\(said ?? "merged"), expected \(expected)")
        }
        // --fail-on given to merge settles differing thresholds.
        #expect(refusal(Self.shard(2, of: 2, [], failOn: .inheritsSocketBIO), failOn: .affectedPattern) == nil)
    }

    /// Shards of an audit by query: the query's counts summed and its packages joined; a
    /// shard of another query, or of none, refused even when the fingerprints agree.
    @Test func queryShardsJoinTheirPackagesAndOtherQueriesAreRefused() throws {
        func query(_ rdepends: String, cached: Int, downloaded: Int, audited: [String], date: String = "Sat, 11 Jul 2026 10:16:37 UTC") -> AuditQuery {
            AuditQuery(suite: "bookworm", architecture: "amd64", mirror: "http://mirror.example/debian", indexDate: date,
                       rdepends: rdepends, packages: nil, selected: 3, cached: cached, downloaded: downloaded, audited: audited)
        }
        var one = Self.shard(1, of: 2, [Self.file("b.deb:/usr/bin/b", package: "b", .ownBIO)])
        one.query = query("libx1", cached: 1, downloaded: 1, audited: ["b=1", "c=1"])
        var two = Self.shard(2, of: 2, [Self.file("a.deb:/usr/bin/a", package: "a", .notOpenSSL)])
        two.query = query("libx1", cached: 0, downloaded: 1, audited: ["a=1"])
        let merged = try AuditReportMerger.merge([.init(source: "one.json", report: one), .init(source: "two.json", report: two)], command: ["merge"])
        let joined = try #require(merged.query)
        #expect(joined.audited == ["a=1", "b=1", "c=1"] && joined.cached == 1 && joined.downloaded == 2 && joined.selected == 3)
        #expect(joined.sameQuery(as: one.query!) && joined.rdepends == "libx1")

        for (other, what) in [(query("liby1", cached: 0, downloaded: 1, audited: ["a=1"]), "another library"),
                              (query("libx1", cached: 0, downloaded: 1, audited: ["a=1"], date: "Sun, 12 Jul 2026 10:16:37 UTC"), "another index")] {
            var shard = two
            shard.query = other
            #expect(throws: (any Error).self, "\(what)") {
                try AuditReportMerger.merge([.init(source: "one.json", report: one), .init(source: "two.json", report: shard)], command: ["merge"])
            }
        }
        var plain = two
        plain.query = nil
        #expect(throws: (any Error).self, "a shard of paths with a shard of a query") {
            try AuditReportMerger.merge([.init(source: "one.json", report: one), .init(source: "two.json", report: plain)], command: ["merge"])
        }
    }
}
