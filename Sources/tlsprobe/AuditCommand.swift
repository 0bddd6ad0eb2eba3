import AuditClassification
import ArgumentParser
import BinaryAudit
import Foundation
import ReportRendering

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
            besides files (symlinks, special files) is counted by shard 1.
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

    @OptionGroup var reportOptions: ReportOutputOptions

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("audit needs at least one path: an ELF file, a folder or a .deb") }
        if let shard, case .failure(let error) = AuditShard.parse(shard) { throw ValidationError(error.description) }
        do {
            _ = try UnpackLimit.from(environment: ProcessInfo.processInfo.environment)
            _ = try MemberLimit.from(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        do {
            try Auditor.checkEnvironment()
        } catch {
            Terminal.writeError("tlsprobe: \(error)\n")
            throw ExitStatus.environment.exitCode
        }
        // `validate()` has accepted it: parsing again cannot fail.
        let part = shard.flatMap { try? AuditShard.parse($0).get() }
        var auditor = Auditor(paths: paths, failOn: failOn, unpack: unpack, shard: part)
        let tally = AuditProgressTally()
        let progress = reportOptions.terminal.quiet ? nil : ProgressLine.start { tally.line(elapsed: $0) }
        if progress != nil { auditor.progress = { tally.record($0) } }
        let report = auditor.run()
        progress?.stop()
        Self.reportErrors(report)
        if report.outcome == .nothingAudited { Terminal.writeError("tlsprobe: \(TerminalText.escape(report.verdict))\n") }
        try reportOptions.destination.emit(report)
        let status = ExitStatus(report.outcome)
        if status != .success { throw status.exitCode }
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
