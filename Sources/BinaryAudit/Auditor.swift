import AuditClassification
import Dispatch
import ELFInspection
import Foundation
import ProxyCore
import Synchronization
import ToolCore

/// `tlsprobe audit`: which of the binaries given carry the socket-BIO pattern
/// OpenSSL 3.2 broke, from the ELF evidence of each.
///
/// The paths are walked first (`AuditWalker`), then every file is read by
/// `readers` threads at once, one per core by default: the walk is cheap and the
/// reading is what costs. Each `.deb` is then unpacked into a private folder
/// (`DebianPackage`, bounded by `unpackLimit`), its files read the same way, and
/// the folder removed before the next package is unpacked: at most one package's
/// files are on disk at a time. A `.deb` found while walking a folder (by its
/// content, never its name) is unpacked in its place the same way; one inside a
/// package is not (a package of packages is not what a packager audits, and
/// nesting would keep several trees on disk at once): it is counted as not ELF.
/// Each package's control data (`DebianPackageInfo`) goes on every file it holds.
/// A file or package that cannot be read is an `error` in the report; the run
/// itself never fails.
package struct Auditor: Sendable {
    package var paths: [String]
    package var failOn: AuditFailureThreshold?
    package var readers: Int
    /// The command line, for the report.
    package var command: [String]
    /// How far one package may expand; an unusable `TLSPROBE_MAX_UNPACK_SIZE` fails each package with its reason.
    package var unpackLimit: Result<UnpackLimit, InputError>
    /// dpkg's database, where the installed package owning each file found in a folder
    /// is looked up (`InstalledPackages`); `nil` looks nothing up.
    package var dpkgDatabase: String?
    /// `--shard K/N`: audit only this part of the inputs (`AuditInputSet`); `nil` audits them all.
    package var shard: AuditShard?
    /// What the report calls a package given by a path the user never typed: a `.deb`
    /// fetched by query is read from the cache as `SHA256.deb` and named by its pool file name.
    package var shownNames: [String: String] = [:]

    package init(paths: [String], failOn: AuditFailureThreshold? = nil,
                 readers: Int = ProcessInfo.processInfo.activeProcessorCount, command: [String] = CommandLine.arguments,
                 unpackLimit: Result<UnpackLimit, InputError> = Result { () throws(InputError) in
                     try UnpackLimit.from(environment: ProcessInfo.processInfo.environment)
                 },
                 dpkgDatabase: String? = "/var/lib/dpkg", shard: AuditShard? = nil) {
        self.paths = paths
        self.shard = shard
        self.dpkgDatabase = dpkgDatabase
        self.failOn = failOn
        self.readers = max(1, readers)
        self.command = command
        self.unpackLimit = unpackLimit
    }

    /// libelf could not be set up at all: no file can be read (exit 3 in the CLI).
    package static func checkEnvironment() throws(EnvironmentError) {
        guard ELFReader.libelfReady else {
            throw EnvironmentError("libelf refuses ELF version 1: the installed elfutils libelf is unusable")
        }
    }

    package func run() -> AuditReport {
        let started = Deadline.now
        var walker = AuditWalker()
        var inputSet = AuditInputSet(arguments: paths)
        for path in paths {
            let before = walker.entries.count
            walker.add(path, shown: shownNames[path])
            if shard != nil { inputSet.add(walker.entries[before...], given: path) }
        }
        var entries = walker.entries
        var skipped = walker.skipped
        if let shard {
            entries = inputSet.entries(in: shard)
            // What the walk of the arguments met besides files (symlinks, special files, paths
            // reached twice) has no package to place it: shard 1 counts it, so a merge counts it once.
            if shard.index != 1 { skipped = AuditSkipped() }
        }
        var files = audit(entries, skipped: &skipped)
        if let dpkgDatabase { files = Self.withOwners(files, entries: entries, database: dpkgDatabase) }
        guard let shard else {
            return AuditReport(command: command, inputs: paths, readers: readers, durationMilliseconds: started.millisecondsUntilNow,
                               failOn: failOn, skipped: skipped, files: files)
        }
        return AuditReport(command: command, inputs: paths, readers: readers, durationMilliseconds: started.millisecondsUntilNow,
                           failOn: failOn, skipped: skipped, files: AuditReport.shardOrder(files),
                           shard: shard, inputFingerprint: inputSet.fingerprint, inputUnits: inputSet.units.count)
    }

    /// `files` with the installed package owning each ELF file found outside a `.deb`,
    /// where dpkg's database names one: looked up by the file's real path.
    static func withOwners(_ files: [AuditedFile], entries: [AuditWalker.Entry], database: String) -> [AuditedFile] {
        var realPaths: [String: String] = [:]
        for case .file(let real, let display, nil) in entries where realPaths[display] == nil { realPaths[display] = real }
        let wanted = files.compactMap { $0.package == nil && $0.class != .error ? realPaths[$0.path] : nil }
        guard !wanted.isEmpty else { return files }
        let owners = InstalledPackages(root: database).owners(of: Set(wanted))
        guard !owners.isEmpty else { return files }
        return files.map { file in
            guard file.package == nil, file.class != .error, let real = realPaths[file.path], let owner = owners[real] else { return file }
            var owned = file
            owned.packageInfo = owner
            return owned
        }
    }

    /// The entries' files in order: the plain files read together first, then each package in its place.
    private func audit(_ entries: [AuditWalker.Entry], skipped: inout AuditSkipped) -> [AuditedFile] {
        let results = read(entries)
        var files: [AuditedFile] = []
        files.reserveCapacity(entries.count)
        for (entry, result) in zip(entries, results) {
            switch (entry, result) {
            case (.failed(let file), _): files.append(file)
            case (.package(let path, let display), _): files += audit(package: path, display: display, skipped: &skipped)
            case (.file(let path, let display, _), .package?): files += audit(package: path, display: display, skipped: &skipped)
            case (_, .read(let file?)?): files.append(file)
            case (_, .read(nil)?): skipped.notELF += 1
            case (.file(_, let display, let package), nil):
                files.append(.failed(display, package: package, reason: "not read"))
            }
        }
        return files
    }

    /// One package at `path`, named `display` in the report: its control data read,
    /// the package unpacked, its files read, its folder removed. Every file, and the
    /// package's own error, carries the control data when it could be read.
    private func audit(package path: String, display: String, skipped: inout AuditSkipped) -> [AuditedFile] {
        let info = try? DebianPackageInfo.read(path).get()
        func failed(_ error: InputError) -> [AuditedFile] {
            var file = AuditedFile.failed(display, package: display, reason: error.source == path ? error.message : error.description)
            file.packageInfo = info
            return [file]
        }
        let unpacked: DebianPackage.Unpacked
        do {
            unpacked = try DebianPackage.unpack(path, limit: try unpackLimit.get())
        } catch {
            return failed(error)
        }
        defer { DebianPackage.remove(unpacked.folder) }
        var walker = AuditWalker()
        walker.addUnpacked(tree: unpacked.tree, package: display)
        skipped += walker.skipped
        return audit(walker.entries, skipped: &skipped).map { file in
            var file = file
            file.packageInfo = info
            return file
        }
    }

    /// What a reader thread leaves for one entry: the file, `nil` for one that is not
    /// ELF, or `package` for a `.deb` met in a folder (not inside a package).
    private enum Slot {
        case read(AuditedFile?)
        case package
    }

    /// Every `.file` entry read by `readers` threads taking the next unread index.
    private func read(_ entries: [AuditWalker.Entry]) -> [Slot?] {
        let slots = Mutex<[Slot?]>(Array(repeating: nil, count: entries.count))
        let next = Atomic<Int>(0)
        let work = entries.map { entry -> (String, String, String?)? in
            if case .file(let path, let display, let package) = entry { return (path, display, package) }
            return nil
        }
        guard work.contains(where: { $0 != nil }) else { return slots.withLock { $0 } }
        DispatchQueue.concurrentPerform(iterations: min(readers, max(entries.count, 1))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < work.count else { return }
                guard let (path, display, package) = work[index] else { continue }
                let result = AuditedFile.read(path: path, display: display, package: package)
                let slot: Slot = result == nil && package == nil && DebianPackage.hasPackageMagic(path) ? .package : .read(result)
                slots.withLock { $0[index] = slot }
            }
        }
        return slots.withLock { $0 }
    }
}
