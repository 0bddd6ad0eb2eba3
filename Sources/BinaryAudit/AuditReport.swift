import AuditClassification
import Foundation
import ToolCore

/// One `tlsprobe audit` run: every ELF file found under the paths given, its
/// class and evidence, and what was walked past. `docs/audit-schema.json`
/// describes the JSON form.
package struct AuditReport: Sendable, Codable, Equatable {
    /// Bumped whenever a field changes meaning, so consumers can refuse what they do not understand.
    package static let currentSchemaVersion = 1

    package var schemaVersion: Int
    package var tool: String
    package var toolVersion: String
    /// ISO 8601, UTC.
    package var generatedAt: String
    /// The command line that produced the report.
    package var command: [String]
    package var hostname: String
    /// The paths and packages as given.
    package var inputs: [String]
    /// Files read in parallel, one reader per core.
    package var readers: Int
    package var durationMilliseconds: Double
    /// The `--fail-on` threshold, when one was set.
    package var failOn: AuditFailureThreshold?
    /// Files per class, every class present (0 when none).
    package var summary: [AuditClass: Int]
    /// The audit's conclusion in one line (`AuditReport.verdictLine`).
    package var verdict: String
    package var skipped: AuditSkipped
    /// Every ELF file read and every input that could not be, in the order the
    /// paths were given and, within a folder, by name; in a shard's report (and a
    /// merge of shards) by package, then path (`shardOrder`).
    package var files: [AuditedFile]
    /// `--shard K/N`: the part of the inputs this report holds. A merge of every
    /// shard holds the whole, `1/1`, and is then the report `--shard 1/1` writes.
    package var shard: AuditShard?
    /// What the shards were cut from, the same in each (`AuditInputSet.fingerprint`):
    /// a merge refuses shards of different inputs. Present with `shard` or `incomplete`.
    package var inputFingerprint: String?
    /// Packages and files in the whole input set, every shard's together.
    package var inputUnits: Int?
    /// A merge that lacks some shards: which it holds and which are missing.
    package var incomplete: AuditIncompleteMerge?
    /// `--suite … --rdepends`/`--package`: the query that chose the packages.
    package var query: AuditQuery?

    package init(command: [String], inputs: [String], readers: Int, durationMilliseconds: Double, failOn: AuditFailureThreshold?,
                 skipped: AuditSkipped, files: [AuditedFile], hostname: String = ProcessInfo.processInfo.hostName,
                 generatedAt: Date = Date(), shard: AuditShard? = nil, inputFingerprint: String? = nil, inputUnits: Int? = nil,
                 incomplete: AuditIncompleteMerge? = nil, query: AuditQuery? = nil) {
        self.schemaVersion = Self.currentSchemaVersion
        self.tool = "tlsprobe"
        self.toolVersion = ToolVersion.current
        self.generatedAt = ISO8601DateFormatter().string(from: generatedAt)
        self.command = command
        self.hostname = hostname
        self.inputs = inputs
        self.readers = readers
        self.durationMilliseconds = durationMilliseconds
        self.failOn = failOn
        self.skipped = skipped
        self.files = files
        var summary = Dictionary(uniqueKeysWithValues: AuditClass.allCases.map { ($0, 0) })
        for file in files { summary[file.class, default: 0] += 1 }
        self.summary = summary
        self.shard = shard
        self.inputFingerprint = inputFingerprint
        self.inputUnits = inputUnits
        self.incomplete = incomplete
        self.query = query
        self.verdict = Self.verdictLine(files: files, skipped: skipped, inputs: inputs)
        if let incomplete { self.verdict = "INCOMPLETE: \(incomplete.description); " + verdict }
        if let shard, shard.count > 1 { self.verdict = "shard \(shard.description): " + verdict }
    }

    /// A shard's and a merge's order: by package name (files no package names first),
    /// then path, so that a merge of shards lists the files as one run over them all.
    package static func shardOrder(_ files: [AuditedFile]) -> [AuditedFile] {
        files.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.packageInfo?.name ?? "", lhs.element.path)
            let right = (rhs.element.packageInfo?.name ?? "", rhs.element.path)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// `AFFECTED: …` when a file has the affected pattern; otherwise what the
    /// files do with the socket BIO, the embedded copies only a dynamic test can
    /// judge, and the files that could not be read.
    static func verdictLine(files: [AuditedFile], skipped: AuditSkipped, inputs: [String]) -> String {
        func count(_ auditClass: AuditClass) -> Int { files.filter { $0.class == auditClass }.count }
        func many(_ count: Int) -> String { count == 1 ? "1 file" : "\(count) files" }
        let affected = count(.affectedPattern), inherits = count(.inheritsSocketBIO)
        let embedded = count(.embeddedOpenSSL), errors = count(.error)
        guard errors < files.count else {
            return files.isEmpty ? nothingAudited(skipped: skipped, inputs: inputs) : "nothing audited: \(many(errors)) could not be read"
        }
        var parts: [String] = []
        if affected > 0 {
            parts.append("AFFECTED: \(many(affected)) keep\(affected == 1 ? "s" : "") state in the data pointer of a BIO made from BIO_s_socket()'s methods, which OpenSSL 3.2+ uses itself")
        } else {
            parts.append(inherits > 0 ? "no file has the affected pattern" : "no file copies the socket BIO's methods")
        }
        if inherits > 0 {
            parts.append("\(many(inherits)) inherit\(inherits == 1 ? "s" : "") the socket BIO's methods (BIO_meth_get_*, deprecated in OpenSSL 3.5)")
        }
        if embedded > 0 {
            parts.append("\(many(embedded)) carr\(embedded == 1 ? "ies" : "y") OpenSSL inside (only a dynamic test can tell)")
        }
        if errors > 0 { parts.append("\(many(errors)) could not be read") }
        return parts.joined(separator: "; ")
    }

    /// `nothing audited: no ELF file among 4 files in debs/: 4 not ELF`: what the walk
    /// met instead, so that the reader can tell a wrong folder from an empty one.
    static func nothingAudited(skipped: AuditSkipped, inputs: [String]) -> String {
        let place = inputs.isEmpty ? "" : " in " + inputs.joined(separator: ", ")
        guard skipped.total > 0 else { return "nothing audited: no file at all\(place)" }
        func count(_ number: Int, _ one: String, _ many: String) -> String? {
            number == 0 ? nil : "\(number) \(number == 1 ? one : many)"
        }
        let links = skipped.symlinksWithinTree + skipped.symlinksOutOfTree + skipped.danglingSymlinks + skipped.symlinkLoops
        let parts = [count(skipped.notELF, "not ELF", "not ELF"), count(links, "symlink (never followed)", "symlinks (never followed)"),
                     count(skipped.specialFiles, "special file", "special files"), count(skipped.duplicates, "reached twice", "reached twice")]
        let total = skipped.total
        return "nothing audited: no ELF file\(total == 1 ? "" : " among the \(total) files")\(place): "
            + parts.compactMap { $0 }.joined(separator: ", ")
    }

    /// Files of `auditClass`.
    package func files(_ auditClass: AuditClass) -> [AuditedFile] {
        files.filter { $0.class == auditClass }
    }

    /// Files the `--fail-on` threshold fails on; empty without one.
    package var failing: [AuditedFile] {
        guard let failOn else { return [] }
        return files.filter { failOn.fails($0.class) }
    }

    /// Whether JUnit and Markdown count `file` as a failure: `affected-pattern`
    /// always, and whatever `--fail-on` adds.
    package func isFailure(_ file: AuditedFile) -> Bool {
        file.class == .affectedPattern || (failOn?.fails(file.class) ?? false)
    }

    /// `failing` when a file is of the `--fail-on` class (a definite finding outranks an
    /// unread file); otherwise `unreadable` when a file or package could not be read;
    /// `nothingAudited` when there was no file at all to read.
    package var outcome: AuditOutcome {
        if !failing.isEmpty { return .failing }
        if incomplete != nil { return .incomplete }
        if files.isEmpty {
            // One shard of several with no ELF file in its part (packages of scripts and data,
            // or no input hashed to it): the merge of all says whether anything was audited.
            if let shard, shard.count > 1, (inputUnits ?? 0) > 0 { return .clean }
            return .nothingAudited
        }
        if !files(.error).isEmpty { return .unreadable }
        return .clean
    }

    package static func decode(_ data: Data) throws -> AuditReport {
        try JSONDecoder().decode(AuditReport.self, from: data)
    }
}
