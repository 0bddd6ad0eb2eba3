import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// `tlsprobe audit --suite SUITE --rdepends NAME | --package NAME…` against the machine's
/// real Debian mirror (its index is old: TLSPROBE_MAX_INDEX_AGE as for runtimes), each run
/// with a cache of its own: the packages named are fetched, verified, cached by SHA-256 and
/// audited; the reverse dependencies are the ones an independent reading of the same index
/// gives; a damaged cached copy is fetched again; shards merge into the single run.
@Suite(.serialized) struct AuditQueryTests {
    /// The index is signed, but the machine's mirror lags behind its Valid-Until.
    static let environment = ["TLSPROBE_MAX_INDEX_AGE": "180"]

    /// A library of bookworm with four reverse dependencies, all small: catgirl, libtls-dev, rpki-client, sacc.
    static let library = "libtls26"

    static func audit(_ arguments: [String], cache: URL, format: String = "json",
                      temporary: URL? = nil) throws -> (run: ProcessRunner.Run, report: AuditReport?) {
        var environment = Self.environment
        environment["XDG_CACHE_HOME"] = cache.path
        if let temporary { environment["TMPDIR"] = temporary.path }
        let run = try CLI.run(["audit", "--suite", "bookworm", "--format", format] + arguments, environment: environment)
        return (run, format == "json" ? try? AuditReport.decode(run.stdout) : nil)
    }

    /// `SHA256.deb` → modification date, of the cache's packages.
    static func cached(_ cache: URL) throws -> [String: Date] {
        let folder = cache.path + "/tlsprobe/debs"
        var result: [String: Date] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".deb") {
            result[name] = try FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.modificationDate] as? Date
        }
        return result
    }

    /// `sha256sum`'s digest of `path`: a reading that is not tlsprobe's.
    static func sha256sum(_ path: String) throws -> String {
        let run = try ProcessRunner.run("/usr/bin/sha256sum", [path])
        return String(run.output.prefix(64))
    }

    @Test func packagesByNameAreFetchedVerifiedCachedAndAudited() throws {
        let cache = try Repository.scratch("query-cache")
        defer { try? FileManager.default.removeItem(at: cache) }
        let names = ["--package", "libpq5", "--package", "curl", "--package", "libcurl4"]
        let first = try Self.audit(names, cache: cache)
        #expect(first.run.status == 0, "\(first.run.stderr)")
        let report = try #require(first.report, "\(first.run.stderr)")
        // The classes AuditCommandTests checks with objdump for the same files; curl's program links libcurl, not OpenSSL.
        let expected: [(package: String, file: String, class: AuditClass)] = [
            ("libpq5", "/usr/lib/x86_64-linux-gnu/libpq.so.5.15", .inheritsSocketBIO),
            ("libcurl4", "/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", .ownBIO),
            ("curl", "/usr/bin/curl", .notOpenSSL),
        ]
        for (package, file, auditClass) in expected {
            let found = try #require(report.files.first { $0.packageInfo?.name == package && $0.path.hasSuffix(":" + file) },
                                     "\(file) of \(package): \(report.files.map(\.path))")
            #expect(found.class == auditClass, "\(found.path): \(found.class)")
            let deb = try #require(found.package)
            #expect(deb.hasPrefix(package + "_") && deb.hasSuffix("_amd64.deb"), "named by its pool file: \(deb)")
            #expect(found.path == deb + ":" + file)
        }
        let query = try #require(report.query)
        #expect(query.suite == "bookworm" && query.architecture == "amd64" && query.packages == ["libpq5", "curl", "libcurl4"])
        #expect(query.rdepends == nil && query.selected == 3 && query.downloaded == 3 && query.cached == 0, "\(query)")
        #expect(query.audited.map { String($0.prefix { $0 != "=" }) } == ["curl", "libcurl4", "libpq5"])
        #expect(report.inputs == ["bookworm/amd64 --package libpq5 curl libcurl4"])
        // docs/audit-schema.json describes a query's report.
        let json = cache.appendingPathComponent("report.json").path
        try first.run.output.write(toFile: json, atomically: true, encoding: .utf8)
        let valid = try AuditCommandTests.validate(json)
        #expect(valid.status == 0, "\(valid.transcript)")

        // The cache: one file per package, named by the SHA-256 sha256sum computes for it.
        var files = try Self.cached(cache)
        #expect(files.count == 3, "\(files.keys)")
        for name in files.keys {
            #expect(try Self.sha256sum(cache.path + "/tlsprobe/debs/" + name) + ".deb" == name)
        }

        // The suite's verified index is kept next to the packages, for the next run's apt to check.
        let indexes = try FileManager.default.contentsOfDirectory(atPath: cache.path + "/tlsprobe/indexes")
        #expect(indexes.contains { $0.hasPrefix("bookworm-amd64-") && !$0.hasSuffix(".lock") }, "\(indexes)")

        // Again: nothing downloaded, nothing rewritten, the same findings, and no temporary file
        // left or kept (the index is in the cache; the run's private folder goes with it).
        let temporary = try Repository.scratch("query-tmp")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let second = try Self.audit(names, cache: cache, temporary: temporary)
        #expect(second.run.status == 0, "\(second.run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty, "TMPDIR after a warm run")
        let again = try #require(second.report)
        #expect(again.query?.cached == 3 && again.query?.downloaded == 0, "\(String(describing: again.query))")
        #expect(try Self.cached(cache) == files, "a cached package was written again")
        #expect(again.files.map(\.path) == report.files.map(\.path) && again.files.map(\.class) == report.files.map(\.class))

        // One byte of libpq5's cached copy flipped: found, said, fetched again, and the audit still right.
        let libpq = try #require(report.files.first { $0.packageInfo?.name == "libpq5" }?.package)
        let damaged = try #require(try files.keys.first { name in
            let run = try ProcessRunner.run("/usr/bin/dpkg-deb", ["--field", cache.path + "/tlsprobe/debs/" + name, "Package"])
            return run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "libpq5"
        })
        let path = cache.path + "/tlsprobe/debs/" + damaged
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let third = try Self.audit(names, cache: cache)
        #expect(third.run.status == 0, "\(third.run.stderr)")
        #expect(third.run.stderr.contains("the cached \(libpq)") && third.run.stderr.contains("fetched again"), "\(third.run.stderr)")
        let mended = try #require(third.report)
        #expect(mended.query?.cached == 2 && mended.query?.downloaded == 1, "\(String(describing: mended.query))")
        #expect(mended.files.map(\.path) == report.files.map(\.path) && mended.files.map(\.class) == report.files.map(\.class))
        #expect(try Self.sha256sum(path) + ".deb" == damaged, "the copy in the cache is whole again")
        files = try Self.cached(cache)
        #expect(files.count == 3)

        // The text header names the query.
        let text = try Self.audit(names, cache: cache, format: "text")
        #expect(text.run.status == 0)
        #expect(text.run.output.contains("audit of bookworm/amd64 --package libpq5 curl libcurl4"), "\(text.run.output)")
        #expect(text.run.output.contains("Debian bookworm/amd64 from"), "\(text.run.output)")
    }

    /// The suite's index read by python3 (not tlsprobe's parser) from the mirror the report
    /// names: its `InRelease` date, and every package whose Depends or Pre-Depends names `library`.
    static func independentReverseDependencies(mirror: String, library: String) throws -> (date: String, names: [String]) {
        let script = #"""
        import lzma, re, sys, urllib.request
        mirror, library = sys.argv[1], sys.argv[2]
        base = mirror + "/dists/bookworm/"
        release = urllib.request.urlopen(base + "InRelease", timeout=120).read().decode()
        print(next(l[5:].strip() for l in release.splitlines() if l.startswith("Date:")))
        index = lzma.decompress(urllib.request.urlopen(base + "main/binary-amd64/Packages.xz", timeout=300).read()).decode()
        found = set()
        for stanza in index.split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                m = re.match(r"^([A-Za-z0-9-]+):\s*(.*)$", line)
                if m:
                    fields[m.group(1)] = m.group(2)
            for key in ("Depends", "Pre-Depends"):
                for alternative in re.split(r"[,|]", fields.get(key, "")):
                    if re.split(r"[\s(:\[]", alternative.strip())[0] == library:
                        found.add(fields["Package"])
        print("\n".join(sorted(found)))
        """#
        let run = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, mirror, library])
        guard run.status == 0 else { throw CLIFailed(arguments: ["python3", mirror], status: run.status, stderr: run.stderr) }
        let lines = run.output.split(separator: "\n").map(String.init)
        return (lines.first ?? "", Array(lines.dropFirst()))
    }

    @Test func reverseDependenciesAreWhatTheIndexSaysAndShardsMergeIntoTheSingleRun() throws {
        let cache = try Repository.scratch("query-rdepends")
        defer { try? FileManager.default.removeItem(at: cache) }
        let whole = try Self.audit(["--rdepends", Self.library], cache: cache)
        #expect(whole.run.status == 0, "\(whole.run.stderr)")
        let report = try #require(whole.report, "\(whole.run.stderr)")
        let query = try #require(report.query)
        let independent = try Self.independentReverseDependencies(mirror: query.mirror, library: Self.library)
        try #require(independent.date == query.indexDate, "the mirror changed between the two readings: \(independent.date), \(query.indexDate)")
        #expect((2...10).contains(independent.names.count), "pick a library with a few reverse dependencies: \(independent.names)")
        #expect(query.audited.map { String($0.prefix { $0 != "=" }) } == independent.names)
        #expect(query.selected == independent.names.count && query.rdepends == Self.library)
        #expect(report.files.contains { $0.class != .error && $0.class != .notOpenSSL }, "something links OpenSSL: \(report.files.map(\.path))")

        // Three shards (two would put all four in one: FNV-1a of their names), each with an
        // empty cache of its own: each downloads only its part.
        let folder = try Repository.scratch("query-shards")
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        var parts: [[String]] = []
        for index in 1...3 {
            let shardCache = folder.appendingPathComponent("cache\(index)")
            let shard = try Self.audit(["--rdepends", Self.library, "--shard", "\(index)/3"], cache: shardCache)
            #expect(shard.run.status == 0, "\(shard.run.stderr)")
            let part = try #require(shard.report?.query)
            #expect(part.downloaded == part.audited.count && part.cached == 0)
            #expect(try Self.cached(shardCache).count == part.audited.count, "shard \(index) fetched only its part")
            parts.append(part.audited)
            let path = folder.appendingPathComponent("shard\(index).json").path
            try shard.run.output.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        #expect(parts.allSatisfy { !$0.isEmpty }, "a shard of nothing: the test cannot tell a cut from no cut: \(parts)")
        #expect(Set(parts.joined()).count == parts.joined().count && parts.joined().sorted() == query.audited, "disjoint, all: \(parts)")
        let merged = try CLI.run(["merge", "--format", "json"] + paths)
        #expect(merged.status == 0, "\(merged.stderr)")
        let joined = try AuditReport.decode(merged.stdout)
        #expect(joined.files == report.files)
        #expect(joined.summary == report.summary && joined.skipped == report.skipped && joined.verdict == report.verdict)
        #expect(joined.query?.audited == query.audited && joined.query?.selected == query.selected)
        #expect(joined.query.map { $0.sameQuery(as: query) } == true)
        let mergedPath = folder.appendingPathComponent("merged.json").path
        try merged.output.write(toFile: mergedPath, atomically: true, encoding: .utf8)
        let valid = try AuditCommandTests.validate(mergedPath)
        #expect(valid.status == 0, "\(valid.transcript)")
    }

    @Test func anUnknownPackageIsAUsageErrorNamingIt() throws {
        let cache = try Repository.scratch("query-unknown")
        defer { try? FileManager.default.removeItem(at: cache) }
        let run = try Self.audit(["--package", "libpq5", "--package", "no-such-package-tlsprobe"], cache: cache).run
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("no package no-such-package-tlsprobe in bookworm/amd64"), "\(run.stderr)")
        #expect(!run.stderr.contains("libpq5,"), "only the unknown name: \(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cache.path + "/tlsprobe/debs"), "nothing fetched")
        let rdepends = try Self.audit(["--rdepends", "no-such-library-tlsprobe"], cache: cache).run
        #expect(rdepends.status == 2 && rdepends.stderr.contains("no-such-library-tlsprobe: no such package"), "\(rdepends.stderr)")
    }

    /// A mirror on loopback whose `InRelease` is signed by a key of its own (made here with gpg),
    /// not the Debian archive's: apt refuses it, and the audit exits 2 saying so, having fetched nothing.
    @Test func anIndexSignedByAnotherKeyIsRefused() throws {
        let root = try Repository.scratch("query-signature")
        defer { try? FileManager.default.removeItem(at: root) }
        let script = #"""
        set -eu
        root=$1 bin=$2
        export GNUPGHOME="$root/gnupg"
        mkdir -m 700 "$GNUPGHOME"
        gpg --batch --quiet --passphrase '' --quick-gen-key 'not Debian <nobody@invalid>' ed25519 sign never 2>/dev/null
        dists="$root/debian/dists/bookworm"
        mkdir -p "$dists/main/binary-amd64"
        : > "$dists/main/binary-amd64/Packages"
        {
          echo "Origin: Debian"; echo "Suite: bookworm"; echo "Codename: bookworm"
          echo "Date: $(date -u -R)"; echo "Valid-Until: $(date -u -R -d '+30 days')"
          echo "Architectures: amd64"; echo "Components: main"; echo "SHA256:"
          echo " $(sha256sum < "$dists/main/binary-amd64/Packages" | cut -d' ' -f1) 0 main/binary-amd64/Packages"
        } > "$root/Release"
        gpg --batch --quiet --clearsign -o "$dists/InRelease" "$root/Release" 2>/dev/null
        python3 -c '
        import functools, http.server, sys
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1]))
        open(sys.argv[2], "w").write(str(server.server_address[1]))
        server.serve_forever()
        ' "$root" "$root/port.tmp" 2>/dev/null &
        server=$!
        for _ in $(seq 100); do [ -s "$root/port.tmp" ] && break; sleep 0.1; done
        set +e
        XDG_CACHE_HOME="$root/cache" TLSPROBE_DEBIAN_MIRROR="http://127.0.0.1:$(cat "$root/port.tmp")/debian"           "$bin" audit --suite bookworm --package curl --format json
        status=$?
        kill "$server"
        exit "$status"
        """#.replacingOccurrences(of: "\n        ", with: "\n")
        let run = try ProcessRunner.run("/bin/sh", ["-c", script, "sh", root.path, Repository.binary])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("cannot read suite bookworm from mirror http://127.0.0.1:"), "\(run.stderr)")
        #expect(run.stderr.contains("the mirror's index fails apt's signature check"), "\(run.stderr)")
        #expect(run.stderr.contains("NO_PUBKEY") || run.stderr.contains("not signed"), "apt's own words: \(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root.path + "/cache/tlsprobe/debs"), "nothing fetched")
    }

    @Test func anUnknownSuiteAndAnUnreachableMirrorAreOneLineAndExitTwo() throws {
        let cache = try Repository.scratch("query-errors")
        defer { try? FileManager.default.removeItem(at: cache) }
        let suite = try CLI.run(["audit", "--suite", "bookwrom", "--package", "curl"], environment: ["XDG_CACHE_HOME": cache.path])
        #expect(suite.status == 2 && suite.stderr.contains("unknown suite 'bookwrom'") && suite.stderr.contains("bookworm"), "\(suite.stderr)")
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        let down = try CLI.run(["audit", "--suite", "trixie", "--rdepends", "libssl3t64"],
                               environment: ["XDG_CACHE_HOME": cache.path, "TLSPROBE_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"])
        #expect(down.status == 2, "\(down.stderr)")
        #expect(down.stderr.contains("cannot read suite trixie from mirror http://127.0.0.1:9/debian (TLSPROBE_DEBIAN_MIRROR)"), "\(down.stderr)")
        #expect(down.stderr.contains("the mirror cannot be reached"), "\(down.stderr)")
        #expect(down.stderr.split(separator: "\n").count == 1, "one line: \(down.stderr)")
        for arguments in [["--suite", "bookworm"], ["--suite", "bookworm", "--rdepends", "a1", "--package", "b1"],
                          ["--suite", "bookworm", "--package", "curl", "/usr/bin"], ["--rdepends", "libtls26"],
                          ["--suite", "bookworm", "--package", "Not_A_Name"]] {
            let run = try CLI.run(["audit"] + arguments, environment: ["XDG_CACHE_HOME": cache.path])
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
        }
    }
}
