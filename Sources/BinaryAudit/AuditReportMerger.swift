import AuditClassification
import Foundation
import ToolCore

/// Joins the JSON reports of `tlsprobe audit --shard K/N`, run on many machines or
/// CI jobs, into one audit report.
///
/// Every shard must have been cut from the same inputs (`inputFingerprint`) into the
/// same `N`; no shard may be given twice and no file may be in two reports: anything
/// else would count a file twice or join parts of two different audits, so it is
/// refused with the files named and nothing is merged. Shards that are missing do not
/// stop the merge (what was audited is kept), but the report says which
/// (`AuditReport.incomplete`), and its outcome is `incomplete`.
///
/// The files are listed in `AuditReport.shardOrder`, the counts are the sums: a merge
/// of every shard is the report `tlsprobe audit --shard 1/1` writes over the same
/// inputs, but for `command`, `generatedAt` and `durationMilliseconds` (the shards' sum).
package enum AuditReportMerger {
    /// One shard's report and the name the user gave it.
    package struct Input: Sendable {
        package var source: String
        package var report: AuditReport

        package init(source: String, report: AuditReport) {
            self.source = source
            self.report = report
        }
    }

    /// The merged report; `failOn` replaces the shards' threshold when given.
    package static func merge(_ inputs: [Input], command: [String], failOn: AuditFailureThreshold? = nil,
                              generatedAt: Date = Date()) throws(InputError) -> AuditReport {
        guard let first = inputs.first else { throw InputError(source: "tlsprobe merge", message: "no reports to merge") }
        var shards: [(source: String, shard: AuditShard, fingerprint: String)] = []
        for input in inputs {
            let report = input.report
            if report.incomplete != nil {
                throw InputError(source: input.source, message: "an incomplete merge itself; merge the shards' own reports together")
            }
            guard let shard = report.shard, let fingerprint = report.inputFingerprint else {
                throw InputError(source: input.source, message: "not the report of a shard (tlsprobe audit --shard K/N --format json); only shards are merged")
            }
            if let other = shards.first(where: { $0.shard.count != shard.count }) {
                throw InputError(source: input.source, message: "shard \(shard.description), but \(other.source) is shard \(other.shard.description): shards of different N")
            }
            if let other = shards.first(where: { $0.fingerprint != fingerprint }) {
                throw InputError(source: input.source, message: "cut from other inputs than \(other.source) (input fingerprint \(fingerprint), not \(other.fingerprint))")
            }
            if let other = shards.first(where: { $0.shard.index == shard.index }) {
                throw InputError(source: input.source, message: "shard \(shard.description), as \(other.source) is: give each shard once")
            }
            shards.append((input.source, shard, fingerprint))
        }
        let queries = inputs.map(\.report.query)
        if let other = inputs.first(where: { input in
            switch (input.report.query, first.report.query) {
            case (nil, nil): false
            case (let query?, let reference?): !query.sameQuery(as: reference)
            default: true
            }
        }) {
            throw InputError(source: other.source, message: "its packages were chosen by another query than \(first.source)'s")
        }
        var owners: [String: String] = [:]
        for input in inputs {
            for file in input.report.files {
                if let other = owners[file.path], other != input.source {
                    throw InputError(source: input.source, message: "holds \(file.path), as \(other) does: the shards overlap")
                }
                owners[file.path] = input.source
            }
        }
        let thresholds = Set(inputs.map { $0.report.failOn?.rawValue ?? "" })
        if failOn == nil, thresholds.count > 1 {
            throw InputError(source: "tlsprobe merge",
                             message: "the shards were audited with different --fail-on thresholds; give --fail-on to merge them under one")
        }
        var skipped = AuditSkipped()
        var files: [AuditedFile] = []
        var inputPaths: [String] = []
        for input in inputs {
            skipped += input.report.skipped
            files += input.report.files
            for path in input.report.inputs where !inputPaths.contains(path) { inputPaths.append(path) }
        }
        var query = queries.first ?? nil
        if query != nil {
            query?.cached = queries.reduce(0) { $0 + ($1?.cached ?? 0) }
            query?.downloaded = queries.reduce(0) { $0 + ($1?.downloaded ?? 0) }
            query?.audited = queries.flatMap { $0?.audited ?? [] }.sorted()
        }
        let count = first.report.shard?.count ?? 1
        let merged = Set(shards.map(\.shard.index))
        let missing = (1...count).filter { !merged.contains($0) }
        return AuditReport(command: command, inputs: inputPaths, readers: first.report.readers,
                           durationMilliseconds: inputs.reduce(0) { $0 + $1.report.durationMilliseconds },
                           failOn: failOn ?? first.report.failOn, skipped: skipped, files: AuditReport.shardOrder(files),
                           hostname: first.report.hostname, generatedAt: generatedAt,
                           shard: missing.isEmpty ? .whole : nil, inputFingerprint: shards[0].fingerprint,
                           inputUnits: first.report.inputUnits,
                           incomplete: missing.isEmpty ? nil : AuditIncompleteMerge(count: count, merged: merged.sorted(), missing: missing),
                           query: query)
    }
}
