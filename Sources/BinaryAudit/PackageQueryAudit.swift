import AuditClassification
import DebianArchive
import Foundation
import ProxyCore

/// `tlsprobe audit --suite SUITE --rdepends NAME` (or `--package NAME…`): the packages a
/// query chose, fetched by `PackageFetcher` and audited as they arrive.
///
/// `--shard K/N` picks the packages by name (`package:NAME`, as `AuditInputSet` keys a
/// `.deb`) before anything is fetched, so each shard downloads only its part. The
/// fingerprint covers every selected package's name, version and SHA-256: shards cut
/// from two states of the archive (a mirror updated between CI jobs) are not merged.
///
/// Each group of packages that has arrived is read by an `Auditor` while the fetcher
/// downloads the next; a package that could not be fetched is an `error` naming it.
/// The files are listed by package, then path (`AuditReport.shardOrder`), whatever the
/// order of arrival: a run and the merge of its shards list them alike.
package struct PackageQueryAudit {
    package var fetcher: PackageFetcher
    /// Every package the query selected, all shards'.
    package var selection: [PackageIndex.Entry]
    package var query: AuditQuery
    package var shard: AuditShard?
    package var failOn: AuditFailureThreshold?
    package var readers = ProcessInfo.processInfo.activeProcessorCount
    package var command = CommandLine.arguments
    /// `--unpack`: each package unpacked to disk and read there, for comparison with streaming.
    package var unpack = false
    /// Told of the packages planned (the index's sizes, known before any download), then of
    /// each file and package read, as `Auditor.progress` is.
    package var progress: (@Sendable (AuditProgress) -> Void)?

    package init(fetcher: PackageFetcher, selection: [PackageIndex.Entry], query: AuditQuery, shard: AuditShard?,
                 failOn: AuditFailureThreshold?) {
        self.fetcher = fetcher
        self.selection = selection
        self.query = query
        self.shard = shard
        self.failOn = failOn
    }

    /// `package:NAME`: the key a `.deb` of this name has in any audit's input set.
    static func key(_ entry: PackageIndex.Entry) -> String { "package:" + entry.name }

    /// This run's part of the selection.
    package var part: [PackageIndex.Entry] {
        guard let shard else { return selection }
        return selection.filter { shard.holds(key: Self.key($0)) }
    }

    /// The report; `refetched` hears of each cached copy that failed its check (package, why).
    package func run(refetched: (String, String) -> Void = { _, _ in }) -> AuditReport {
        let started = Deadline.now
        let part = self.part
        progress?(.planned(archives: part.count, bytes: part.reduce(Int64(0)) { $0 + Int64($1.size) }))
        // Each group's Auditor plans only its own packages: the whole part is planned above.
        var forwarded: (@Sendable (AuditProgress) -> Void)?
        if let progress {
            forwarded = { event in
                if case .planned = event { return }
                progress(event)
            }
        }
        let arrivals = fetcher.start(part)
        var files: [AuditedFile] = []
        var skipped = AuditSkipped()
        var counts = (cached: 0, downloaded: 0)
        while true {
            let arrived = arrivals.next()
            if arrived.isEmpty { break }
            var paths: [String] = []
            var shown: [String: String] = [:]
            for item in arrived {
                if let damage = item.refetched { refetched(item.entry.fileName, damage) }
                switch item.result {
                case .success(let path):
                    if item.cached { counts.cached += 1 } else { counts.downloaded += 1 }
                    paths.append(path)
                    shown[path] = item.entry.fileName
                case .failure(let error):
                    var file = AuditedFile.failed(item.entry.fileName, package: item.entry.fileName, reason: error.message)
                    file.packageInfo = DebianPackageInfo(name: item.entry.name, version: item.entry.version,
                                                         architecture: item.entry.architecture, source: item.entry.source,
                                                         sourceVersion: item.entry.sourceVersion)
                    files.append(file)
                    progress?(.archiveRead(bytes: Int64(item.entry.size)))
                }
            }
            guard !paths.isEmpty else { continue }
            var auditor = Auditor(paths: paths, failOn: failOn, readers: readers, command: command, unpack: unpack, dpkgDatabase: nil)
            auditor.shownNames = shown
            auditor.progress = forwarded
            let report = auditor.run()
            files += report.files
            skipped += report.skipped
        }
        var query = self.query
        query.cached = counts.cached
        query.downloaded = counts.downloaded
        query.audited = part.map { "\($0.name)=\($0.version)" }.sorted()
        let keys = selection.map { "\(Self.key($0))=\($0.version) \($0.sha256)" }
        return AuditReport(command: command, inputs: [query.description], readers: readers,
                           durationMilliseconds: started.millisecondsUntilNow, failOn: failOn, skipped: skipped,
                           files: AuditReport.shardOrder(files), shard: shard,
                           inputFingerprint: shard == nil ? nil : AuditInputSet.fingerprint(of: keys),
                           inputUnits: shard == nil ? nil : selection.count, query: query)
    }
}
