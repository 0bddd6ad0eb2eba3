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
/// files are on disk at a time. A file or package that cannot be read is an
/// `error` in the report; the run itself never fails.
package struct Auditor: Sendable {
    package var paths: [String]
    package var failOn: AuditFailureThreshold?
    package var readers: Int
    /// The command line, for the report.
    package var command: [String]
    /// How far one package may expand; an unusable `TLSPROBE_MAX_UNPACK_SIZE` fails each package with its reason.
    package var unpackLimit: Result<UnpackLimit, InputError>

    package init(paths: [String], failOn: AuditFailureThreshold? = nil,
                 readers: Int = ProcessInfo.processInfo.activeProcessorCount, command: [String] = CommandLine.arguments,
                 unpackLimit: Result<UnpackLimit, InputError> = Result { () throws(InputError) in
                     try UnpackLimit.from(environment: ProcessInfo.processInfo.environment)
                 }) {
        self.paths = paths
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
        for path in paths { walker.add(path) }
        var skipped = walker.skipped
        let files = audit(walker.entries, skipped: &skipped)
        return AuditReport(command: command, inputs: paths, readers: readers, durationMilliseconds: started.millisecondsUntilNow,
                           failOn: failOn, skipped: skipped, files: files)
    }

    /// The entries' files in order: the plain files read together first, then each package in its place.
    private func audit(_ entries: [AuditWalker.Entry], skipped: inout AuditSkipped) -> [AuditedFile] {
        let results = read(entries)
        var files: [AuditedFile] = []
        files.reserveCapacity(entries.count)
        for (entry, result) in zip(entries, results) {
            switch (entry, result) {
            case (.failed(let file), _): files.append(file)
            case (.package(let package), _): files += audit(package: package, skipped: &skipped)
            case (_, .read(let file?)?): files.append(file)
            case (_, .read(nil)?): skipped.notELF += 1
            case (.file(_, let display, let package), nil):
                files.append(.failed(display, package: package, reason: "not read"))
            }
        }
        return files
    }

    /// One package: unpacked, its files read, its folder removed.
    private func audit(package: String, skipped: inout AuditSkipped) -> [AuditedFile] {
        let unpacked: DebianPackage.Unpacked
        do {
            unpacked = try DebianPackage.unpack(package, limit: try unpackLimit.get())
        } catch {
            return [.failed(package, package: package, reason: error.source == package ? error.message : error.description)]
        }
        defer { DebianPackage.remove(unpacked.folder) }
        var walker = AuditWalker()
        walker.addUnpacked(tree: unpacked.tree, package: package)
        skipped += walker.skipped
        return audit(walker.entries, skipped: &skipped)
    }

    /// What a reader thread leaves for one entry: the file, or `nil` for one that is not ELF.
    private enum Slot {
        case read(AuditedFile?)
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
                slots.withLock { $0[index] = .read(result) }
            }
        }
        return slots.withLock { $0 }
    }
}
