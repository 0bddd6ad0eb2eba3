import AuditClassification
import ArgumentParser
import BinaryAudit
import CLinux
import DebianArchive
import Foundation
import MatrixModel
import ProcessKit
import ReportRendering
import ToolCore

/// `tlsprobe audit`: which of the ELF files and Debian packages given carry the
/// socket-BIO pattern OpenSSL 3.2 broke, read from their symbols in parallel.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Classify ELF files and .deb packages by how they use OpenSSL's socket BIO.",
        discussion: """
            Reads every ELF file under the paths given (folders recursively; a symlink is never followed), \
            inside each .deb given or met in a folder (recognised by its content, an ar archive whose first \
            member is debian-binary; each finding names the package's Package, Version, Architecture and Source \
            from its control data) and inside each tar archive given (plain or compressed, recognised by its \
            content; each finding names its member). Packages and archives are read as streams with \
            libarchive: only ELF members are read, into memory, nothing is written to disk; a member larger \
            than 256 MiB is an error (TLSPROBE_MAX_MEMBER_SIZE changes the limit, e.g. 64M or 1G); symlinks, \
            hard links, devices, sparse members and members named with an absolute path or '..' are counted, \
            never read. --unpack unpacks each .deb with dpkg-deb into a private temporary folder instead (the \
            path before streaming, kept for comparison; a package that expands to more than 2 GiB is then an \
            error: TLSPROBE_MAX_UNPACK_SIZE changes the limit). One reader per core; each file is classified \
            from its dynamic symbols, symbol versions and relocations (a file found in a folder names the \
            installed package that owns it, from dpkg's database): \
            affected-pattern (imports BIO_s_socket, BIO_meth_get_create and BIO_set_data or BIO_get_data: \
            broken on OpenSSL 3.2+), inherits-socket-bio (BIO_meth_get_*, state elsewhere: deprecated in 3.5), \
            own-bio, no-custom-bio, embedded-openssl (OpenSSL linked in: only a dynamic test can tell), \
            not-openssl, or error (the reason is given). Files that are not ELF are skipped and counted. \
            --format sarif writes SARIF 2.1.0 for GitHub code scanning: a result per file of affected-pattern \
            (error), inherits-socket-bio (warning) or embedded-openssl (note), the --fail-on class as an error, \
            a file under the working directory by its relative path; files that could not be read are \
            notifications of the run. \
            Exit codes: 0 every file could be read (and none is of the --fail-on class); 1 a file is of the \
            --fail-on class; 2 usage error, or a file or package could not be read (the others are still \
            audited); 3 libelf is unusable, or no ELF file was found at all (the reason is on stderr: \
            nothing was examined, which is not a clean audit). \
            --shard K/N audits one part of the inputs, the same on every machine whatever the order of the \
            arguments: a .deb goes by its Package (every version of a package in one part), any other file by its \
            path below the argument it was found in. Its JSON report names the shard and a fingerprint of the whole \
            input set, and lists files by package, then path; tlsprobe merge joins the N reports. A shard whose \
            part holds no ELF file exits 0 (the merge decides whether anything was audited); what the walk met \
            besides files (symlinks, special files) is counted by shard 1. \
            --suite SUITE with --rdepends NAME (every package whose Depends or Pre-Depends names NAME, in any \
            alternative) or --package NAME… (exact names) audits packages of the Debian archive instead of paths: \
            the suite's main index for --arch is fetched and verified by apt with a private configuration (as \
            runtimes are: --mirror, --max-index-age), and each .deb is downloaded by apt, which checks it against \
            the signed index, into $XDG_CACHE_HOME/tlsprobe/debs named by its SHA-256 (checked again before every \
            use; a damaged copy is fetched again), and audited as it arrives. With --shard K/N a shard fetches only \
            its part. A mirror that cannot be reached, a suite it lacks, an index that fails its signature check \
            or a package the index lacks exits 2.
            """
    )

    @Argument(help: ArgumentHelp("ELF files, folders to walk, .deb packages and tar archives.", valueName: "path"), completion: .file())
    var paths: [String] = []

    @Option(name: .customLong("fail-on"),
            help: ArgumentHelp("Exit 1 when a file is of this class or worse: affected-pattern, or inherits-socket-bio (which includes affected-pattern).",
                               valueName: "class"))
    var failOn: AuditFailureThreshold?

    @Option(name: .customLong("shard"),
            help: ArgumentHelp("Audit only part K of N of the inputs (1 ≤ K ≤ N ≤ 10000), picked by package name (a .deb's Package) or path below the argument; tlsprobe merge joins the N JSON reports.",
                            valueName: "K/N"))
    var shard: String?

    @Flag(help: "Unpack each .deb to a temporary folder with dpkg-deb and read it there (the path before packages were read as streams; for comparison).")
    var unpack = false

    @Option(help: ArgumentHelp("Audit packages of this Debian suite, chosen by --rdepends or --package, instead of paths (\(OpenSSLLine.suiteList), or a runtime's series).",
                               valueName: "suite"),
            completion: .list(OpenSSLLine.allCases.map(\.suite)))
    var suite: String?

    @Option(help: ArgumentHelp("With --suite: every package whose Depends or Pre-Depends names this package.", valueName: "name"))
    var rdepends: String?

    @Option(name: .customLong("package"), help: ArgumentHelp("With --suite: this package (repeatable).", valueName: "name"))
    var packages: [String] = []

    @Option(help: ArgumentHelp("With --suite: the architecture whose index is read.", valueName: "arch"))
    var arch: String = "amd64"

    @OptionGroup var fetchOptions: FetchOptions

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        if let suite {
            guard OpenSSLLine(name: suite) != nil else {
                let hint = Suggestion.nearest(to: suite, in: OpenSSLLine.names).map { " (did you mean \($0)?)" } ?? ""
                throw ValidationError("unknown suite '\(TerminalText.escape(suite))'\(hint); --suite takes \(OpenSSLLine.suiteList)")
            }
            guard (rdepends == nil) != packages.isEmpty else {
                throw ValidationError("--suite needs either --rdepends NAME or --package NAME…, not both")
            }
            guard paths.isEmpty else {
                throw ValidationError("--suite audits the packages of its query, not paths: give the paths to another run")
            }
            for name in packages + (rdepends.map { [$0] } ?? []) where !PackageIndex.isName(name) {
                throw ValidationError("'\(TerminalText.escape(name))' is not a Debian package name")
            }
            guard PackageIndex.isName(arch) else { throw ValidationError("'\(TerminalText.escape(arch))' is not a Debian architecture") }
        } else {
            if rdepends != nil || !packages.isEmpty { throw ValidationError("--rdepends and --package need --suite SUITE") }
            if fetchOptions.mirror != nil || fetchOptions.maxIndexAge != nil { throw ValidationError("--mirror and --max-index-age need --suite SUITE") }
        }
        guard !paths.isEmpty || suite != nil else {
            throw ValidationError("audit needs at least one path (an ELF file, a folder or a .deb), or --suite with --rdepends or --package")
        }
        if let shard, case .failure(let error) = AuditShard.parse(shard) { throw ValidationError(error.description) }
        do {
            _ = try UnpackLimit.from(environment: ProcessInfo.processInfo.environment)
            _ = try MemberLimit.from(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        // Members read into memory are up to MemberLimit each, one per reader: from 1 MiB
        // up they are mapped and unmapped on their own, so the memory they took goes back
        // to the system as soon as each is classified, instead of staying in malloc's heap
        // (whose threshold otherwise rises with every large block freed).
        mallopt(M_MMAP_THRESHOLD, 1 << 20)
        do {
            try Auditor.checkEnvironment()
        } catch {
            Terminal.writeError("tlsprobe: \(error)\n")
            throw ExitStatus.environment.exitCode
        }
        // `validate()` has accepted it: parsing again cannot fail.
        let part = shard.flatMap { try? AuditShard.parse($0).get() }
        let tally = AuditProgressTally()
        let progress = reportOptions.terminal.quiet ? nil : ProgressLine.start { tally.line(elapsed: $0) }
        var told: (@Sendable (AuditProgress) -> Void)?
        if let progress {
            told = { @Sendable event in
                tally.record(event)
                // The plan is the line's first news: drawn at once, not at the next tick, so an
                // audit shorter than a tick still shows what it is reading.
                if case .planned = event { progress.redraw() }
            }
        }
        let report: AuditReport
        do {
            defer { progress?.stop() }
            report = try audit(shard: part, progress: told)
        }
        Self.reportErrors(report)
        if report.outcome == .nothingAudited { Terminal.writeError("tlsprobe: \(TerminalText.escape(report.verdict))\n") }
        try reportOptions.destination.emit(report)
        let status = ExitStatus(report.outcome)
        if status != .success { throw status.exitCode }
    }

    /// The paths given, or the packages of `--suite`'s query.
    private func audit(shard: AuditShard?, progress: (@Sendable (AuditProgress) -> Void)?) throws -> AuditReport {
        if let suite, let line = OpenSSLLine(name: suite) {
            return try auditQuery(suite: line.rawValue, shard: shard, progress: progress)
        }
        var auditor = Auditor(paths: paths, failOn: failOn, unpack: unpack, shard: shard)
        auditor.progress = progress
        return auditor.run()
    }

    /// `--suite`: the index fetched and verified, the query resolved, the packages fetched
    /// and audited as they arrive. What stops the query is one line on stderr and exit 2
    /// (3 when this machine lacks apt or dpkg-deb), as a runtime that cannot be fetched.
    private func auditQuery(suite: String, shard: AuditShard?, progress: (@Sendable (AuditProgress) -> Void)?) throws -> AuditReport {
        func fail(_ status: ExitStatus, _ message: String) -> ExitCode {
            Terminal.writeError("tlsprobe: \(TerminalText.escape(message))\n")
            return status.exitCode
        }
        do {
            try PrivateApt.checkTools(also: [("/usr/bin/dpkg-deb", "dpkg")])
        } catch {
            throw fail(.environment, error.description)
        }
        let environment = ProcessInfo.processInfo.environment
        let mirror: DebianMirror
        switch DebianMirror.choose(given: fetchOptions.mirror, environment: environment) {
        case .success(let chosen): mirror = chosen
        case .failure(let why): throw fail(.usage, "cannot read suite \(suite): \(why); give a Debian mirror with --mirror URL (or TLSPROBE_DEBIAN_MIRROR)")
        }
        let apt: PrivateApt
        let indexFolder: IndexCacheFolder
        do {
            indexFolder = try IndexCacheFolder(root: PackageFetcher.cacheRoot(environment: environment), mirror: mirror,
                                               suite: suite, architecture: arch) {
                Terminal.writeError("tlsprobe: waiting for another tlsprobe reading the \(suite) index of \(mirror.url)\n")
            }
        } catch {
            throw fail(.usage, error.description)
        }
        // Held, and so locked, until the packages are fetched.
        defer { withExtendedLifetime(indexFolder) {} }
        do throws(EnvironmentError) {
            apt = PrivateApt(folder: indexFolder.path, mirror: mirror, suites: [suite], architecture: arch,
                             maxIndexAgeDays: fetchOptions.maxIndexAgeDays(environment: environment))
            try apt.prepare()
            try apt.update()
        } catch {
            throw fail(.usage, "cannot read suite \(suite) from mirror \(mirror.url) (\(mirror.origin)): \(error.description); choose another with --mirror URL")
        }
        // The whole suite's index is tens of MB in memory: only the selection outlives this
        // function, and the index's pages go back to the system before any package is read.
        func select() throws -> (selection: [PackageIndex.Entry], date: String, malformed: Int) {
            let index: SuiteIndex
            do {
                index = try SuiteIndex(lists: apt.lists, suite: suite, architecture: arch)
            } catch {
                throw fail(.usage, "\(error.description) (mirror \(mirror.url))")
            }
            let where_ = "\(suite)/\(arch) (index of \(index.date))"
            if let rdepends {
                guard index.packages.entries[rdepends] != nil else {
                    throw fail(.usage, "--rdepends \(rdepends): no such package in \(where_)")
                }
                return (index.packages.reverseDependencies(of: rdepends), index.date, index.packages.malformed)
            }
            switch index.packages.packages(named: packages) {
            case .success(let entries): return (entries, index.date, index.packages.malformed)
            case .failure(let unknown): throw fail(.usage, "--package: \(unknown.description) in \(where_)")
            }
        }
        let (selection, indexDate, malformed) = try select()
        malloc_trim(0)
        let cache = PackageFetcher.cacheFolder(environment: environment)
        do {
            try PackageFetcher.prepareCache(cache)
        } catch {
            throw fail(.usage, error.description)
        }
        let query = AuditQuery(suite: suite, architecture: arch, mirror: mirror.url, indexDate: indexDate, rdepends: rdepends,
                               packages: rdepends == nil ? packages : nil, selected: selection.count,
                               malformedStanzas: malformed)
        var audit = PackageQueryAudit(fetcher: PackageFetcher(apt: apt, cache: cache), selection: selection, query: query,
                                      shard: shard, failOn: failOn)
        audit.unpack = unpack
        audit.progress = progress
        return audit.run { package, damage in
            Terminal.writeError("tlsprobe: the cached \(TerminalText.escape(package)) \(TerminalText.escape(damage)): deleted and fetched again\n")
        }
    }

    /// Files that could not be read, on stderr too: a CI log shows them whatever the format.
    static func reportErrors(_ report: AuditReport) {
        let errors = report.files(.error)
        for file in errors.prefix(20) {
            Terminal.writeError("tlsprobe: \(TerminalText.escape(file.path)): \(TerminalText.escape(file.error ?? "unreadable"))\n")
        }
        if errors.count > 20 { Terminal.writeError("tlsprobe: … and \(errors.count - 20) more files that could not be read\n") }
    }
}

extension AuditFailureThreshold: ExpressibleByArgument {}
