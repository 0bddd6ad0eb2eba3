import Dispatch
import Foundation
import ProxyCore
import Synchronization

/// `tlsprobe audit`: which of the binaries given carry the socket-BIO pattern
/// OpenSSL 3.2 broke, from the ELF evidence of each.
///
/// The paths are walked first (`AuditWalker`), `.deb`s unpacked into private
/// folders (`DebianPackage`), then every file is read by `readers` threads at
/// once, one per core by default: the walk is cheap and the reading is what
/// costs. A file that cannot be read is an `error` in the report; the run itself
/// never fails, and the unpacked folders are removed before it returns.
package struct Auditor: Sendable {
    package var paths: [String]
    package var failOn: AuditFailureThreshold?
    package var readers: Int
    /// The command line, for the report.
    package var command: [String]

    package init(paths: [String], failOn: AuditFailureThreshold? = nil,
                 readers: Int = ProcessInfo.processInfo.activeProcessorCount, command: [String] = CommandLine.arguments) {
        self.paths = paths
        self.failOn = failOn
        self.readers = max(1, readers)
        self.command = command
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

        let packages = walker.packages
        let unpacked = unpack(packages)
        defer { unpacked.compactMap { try? $0.get() }.forEach(DebianPackage.remove) }
        walker.expand(Dictionary(zip(packages, unpacked)) { first, _ in first })

        let entries = walker.entries
        let results = read(entries)
        var skipped = walker.skipped
        var files: [AuditedFile] = []
        files.reserveCapacity(entries.count)
        for (entry, result) in zip(entries, results) {
            switch (entry, result) {
            case (.failed(let file), _): files.append(file)
            case (_, .audited(let file)?): files.append(file)
            case (_, .notELF?): skipped.notELF += 1
            case (.file(_, let display, let package), nil):
                files.append(.failed(display, package: package, reason: "not read"))
            case (.package(let package), nil):
                files.append(.failed(package, package: package, reason: "not unpacked"))
            }
        }
        return AuditReport(command: command, inputs: paths, readers: readers, durationMilliseconds: started.millisecondsUntilNow,
                           failOn: failOn, skipped: skipped, files: files)
    }

    /// Every `.file` entry read by `readers` threads taking the next unread index.
    private func read(_ entries: [AuditWalker.Entry]) -> [ELFReader.Result?] {
        let slots = Mutex<[ELFReader.Result?]>(Array(repeating: nil, count: entries.count))
        let next = Atomic<Int>(0)
        let work = entries.map { entry -> (String, String, String?)? in
            if case .file(let path, let display, let package) = entry { return (path, display, package) }
            return nil
        }
        DispatchQueue.concurrentPerform(iterations: min(readers, max(entries.count, 1))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < work.count else { return }
                guard let (path, display, package) = work[index] else { continue }
                let result = ELFReader.read(path: path, display: display, package: package)
                slots.withLock { $0[index] = result }
            }
        }
        return slots.withLock { $0 }
    }

    /// Each package unpacked, in parallel like the reading.
    private func unpack(_ packages: [String]) -> [Result<String, InputError>] {
        guard !packages.isEmpty else { return [] }
        let slots = Mutex<[Result<String, InputError>?]>(Array(repeating: nil, count: packages.count))
        DispatchQueue.concurrentPerform(iterations: packages.count) { index in
            let result = Result<String, InputError> { () throws(InputError) -> String in try DebianPackage.unpack(packages[index]) }
            slots.withLock { $0[index] = result }
        }
        return slots.withLock { $0 }.map { $0 ?? .failure(InputError(source: "", message: "not unpacked")) }
    }
}
