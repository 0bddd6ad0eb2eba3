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
/// reading is what costs. Each `.deb`, and each tar archive given, is then read as
/// a stream (`ArchiveStream`), `readers` archives at once: only its ELF members are
/// read, into memory (each up to `memberLimit`), and nothing is written to disk.
/// With `unpack` (`--unpack`, the path before streaming, kept to compare the two) a
/// `.deb` is instead unpacked into a private folder (`DebianPackage`, bounded by
/// `unpackLimit`), its files read as a folder's, and the folder removed before the
/// next package is unpacked. A `.deb` found while walking a folder (by its
/// content, never its name) is read in its place the same way; one inside a
/// package is not (a package of packages is not what a packager audits): it is
/// counted as not ELF. Each package's control data (`DebianPackageInfo`) goes on
/// every file it holds. An `.rpm` (given or met in a folder, by its content) is read
/// as a stream too (`RPMPackage`), `--unpack` or not; a tar given that is a saved
/// container image is read layer by layer (`ContainerImage`).
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
    /// How much of one ELF member of an archive is read into memory; an unusable
    /// `TLSPROBE_MAX_MEMBER_SIZE` fails each archive with its reason.
    package var memberLimit: Result<MemberLimit, InputError>
    /// Unpack each `.deb` to disk and walk it (the old path) instead of reading it as a stream.
    package var unpack: Bool
    /// dpkg's database, where the installed package owning each file found in a folder
    /// is looked up (`InstalledPackages`); `nil` looks nothing up.
    package var dpkgDatabase: String?
    /// `--shard K/N`: audit only this part of the inputs (`AuditInputSet`); `nil` audits them all.
    package var shard: AuditShard?
    /// Called, from any reader thread, as files and archives are read; `nil` tells no one.
    package var progress: (@Sendable (AuditProgress) -> Void)?
    /// What the report calls a package given by a path the user never typed: a `.deb`
    /// fetched by query is read from the cache as `SHA256.deb` and named by its pool file name.
    package var shownNames: [String: String] = [:]

    package init(paths: [String], failOn: AuditFailureThreshold? = nil,
                 readers: Int = ProcessInfo.processInfo.activeProcessorCount, command: [String] = CommandLine.arguments,
                 unpackLimit: Result<UnpackLimit, InputError> = Result { () throws(InputError) in
                     try UnpackLimit.from(environment: ProcessInfo.processInfo.environment)
                 },
                 memberLimit: Result<MemberLimit, InputError> = Result { () throws(InputError) in
                     try MemberLimit.from(environment: ProcessInfo.processInfo.environment)
                 },
                 unpack: Bool = false,
                 dpkgDatabase: String? = "/var/lib/dpkg", shard: AuditShard? = nil) {
        self.paths = paths
        self.memberLimit = memberLimit
        self.unpack = unpack
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
        var files = audit(entries, skipped: &skipped, planning: true)
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

    /// The entries' files in order: the plain files read together first, then the
    /// archives read as streams together, then each package to unpack in its place.
    /// `planning`: these are the audit's own entries (not a package's unpacked tree), whose
    /// archives `progress` is told about.
    private func audit(_ entries: [AuditWalker.Entry], skipped: inout AuditSkipped, planning: Bool = false) -> [AuditedFile] {
        let results = read(entries)
        var archives: [ArchiveWork?] = Array(repeating: nil, count: entries.count)
        for (index, (entry, result)) in zip(entries, results).enumerated() {
            switch (entry, result) {
            case (.package(let path, let display), _): archives[index] = ArchiveWork(path: path, display: display, kind: .deb)
            case (.file(let path, let display, _), .package?): archives[index] = ArchiveWork(path: path, display: display, kind: .deb)
            case (.archive(let path, let display), _): archives[index] = ArchiveWork(path: path, display: display, kind: .tarOrImage)
            case (.rpm(let path, let display), _), (.file(let path, let display, _), .rpm?):
                archives[index] = ArchiveWork(path: path, display: display, kind: .rpm)
            case (.failed, _), (.file, _): break
            }
        }
        if planning, let progress {
            let planned = archives.compactMap { $0 }
            progress(.planned(archives: planned.count, bytes: planned.reduce(0) { $0 + $1.bytes }))
        }
        // --unpack unpacks packages only: a tar archive is read as a stream either way.
        let streamed = stream(archives.map { work in work.flatMap { unpack && $0.isPackage ? nil : $0 } })
        var files: [AuditedFile] = []
        files.reserveCapacity(entries.count)
        for (index, (entry, result)) in zip(entries, results).enumerated() {
            if let read = streamed[index] {
                files += read.files
                skipped += read.skipped
                continue
            }
            if let work = archives[index] {
                files += audit(package: work.path, display: work.display, skipped: &skipped)
                progress?(.archiveRead(bytes: work.bytes))
                continue
            }
            switch (entry, result) {
            case (.failed(let file), _): files.append(file)
            case (.package, _), (.archive, _), (.rpm, _): break
            case (_, .package?), (_, .rpm?): break
            case (_, .read(let file?)?): files.append(file)
            case (_, .read(nil)?): skipped.notELF += 1
            case (.file(_, let display, let package), nil):
                files.append(.failed(display, package: package, reason: "not read"))
            }
        }
        return files
    }

    /// A package or tar archive to read in its entry's place.
    private struct ArchiveWork: Sendable {
        let path: String
        let display: String
        let kind: Kind
        /// Its size on disk, for `progress`; 0 when it cannot be stat'ed (its reader will say why).
        let bytes: Int64

        enum Kind {
            case deb, rpm
            /// A tar archive given: a saved container image (`ContainerImage`) when its layout says so.
            case tarOrImage
        }

        init(path: String, display: String, kind: Kind) {
            self.path = path
            self.display = display
            self.kind = kind
            var info = stat()
            bytes = stat(path, &info) == 0 ? Int64(info.st_size) : 0
        }

        /// A `.deb`: what `--unpack` unpacks.
        var isPackage: Bool { kind == .deb }
    }

    /// Every archive read as a stream by `readers` threads taking the next unread index; each
    /// holds at most one member in memory at a time. An unusable `TLSPROBE_MAX_MEMBER_SIZE`
    /// fails each archive with its reason.
    private func stream(_ work: [ArchiveWork?]) -> [ArchiveStream?] {
        let slots = Mutex<[ArchiveStream?]>(Array(repeating: nil, count: work.count))
        guard work.contains(where: { $0 != nil }) else { return slots.withLock { $0 } }
        let limit: MemberLimit
        switch memberLimit {
        case .success(let value): limit = value
        case .failure(let error):
            return work.map { work in
                work.map { work in
                    var failed = ArchiveStream(display: work.display, limit: .default)
                    failed.fail(error.description)
                    return failed
                }
            }
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(readers, max(work.count, 1))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < work.count else { return }
                guard let item = work[index] else { continue }
                var archive = ArchiveStream(display: item.display, limit: limit)
                switch item.kind {
                case .deb: archive.readPackage(item.path)
                case .rpm: archive.readRPM(item.path)
                case .tarOrImage: archive.readTarOrImage(item.path)
                }
                progress?(.filesRead(archive.files.count + archive.skipped.notELF))
                progress?(.archiveRead(bytes: item.bytes))
                slots.withLock { $0[index] = archive }
            }
        }
        return slots.withLock { $0 }
    }

    /// One package at `path` with `--unpack`, named `display` in the report: its control data read,
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
    /// ELF, or `package` for a `.deb` met in a folder (not inside a package), `rpm` for an `.rpm`.
    private enum Slot {
        case read(AuditedFile?)
        case package
        case rpm
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
                progress?(.filesRead(1))
                var slot: Slot = .read(result)
                if result == nil && package == nil {
                    if DebianPackage.hasPackageMagic(path) { slot = .package } else if RPMPackage.hasMagic(path) { slot = .rpm }
                }
                slots.withLock { $0[index] = slot }
            }
        }
        return slots.withLock { $0 }
    }
}
