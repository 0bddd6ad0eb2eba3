import AuditClassification
import BinaryAudit
import Foundation
import MatrixModel


/// An audit as SARIF 2.1.0, for GitHub code scanning and the other tools that read
/// static-analysis logs: one run, one rule per class a file is reported for, one
/// result per file of such a class, and the inputs that could not be read as the
/// invocation's notifications (they are not findings about the code, and SARIF
/// says so with `executionSuccessful`). Validates against OASIS's schema
/// (`Tests/Fixtures/sarif`).
///
/// A file under the current directory is named by a relative URI, so code scanning
/// maps it to the checkout; any other file by a `file://` URI. A file inside a
/// `.deb` is named by its path in the package, the package in the message and in
/// the result's properties, and the `.deb` itself as a related location.
package struct AuditSARIFRenderer: Sendable {
    /// What relative URIs are relative to: the directory the audit ran in.
    let currentDirectory: String

    package init(currentDirectory: String = FileManager.default.currentDirectoryPath) {
        self.currentDirectory = currentDirectory
    }

    /// How SARIF reports a file of `auditClass`: `nil` for the classes that are no
    /// finding, and for `error`, which is an execution notification instead of a result.
    /// The levels follow the classes' order of concern (`AuditClass`, `--fail-on`).
    static func level(_ auditClass: AuditClass) -> SARIFLog.Level? {
        switch auditClass {
        case .affectedPattern: .error
        case .inheritsSocketBIO: .warning
        case .embeddedOpenSSL: .note
        case .error, .ownBIO, .noCustomBIO, .notOpenSSL: nil
        }
    }

    /// The rules, in the classes' order: every class that can be a result, whether or not this audit found one.
    static let ruleClasses = AuditClass.allCases.filter { level($0) != nil }

    /// The notification descriptors: an input that could not be read, and a run that found no ELF file at all.
    static let unreadable = "error", nothingAudited = "nothing-audited"

    package func render(_ report: AuditReport) throws -> String {
        try JSONCoding.document(log(report))
    }

    func log(_ report: AuditReport) -> SARIFLog {
        let rules = Self.ruleClasses.map { auditClass in
            SARIFLog.ReportingDescriptor(
                id: auditClass.rawValue, name: Self.ruleName(auditClass),
                shortDescription: .init(text: auditClass.meaning),
                fullDescription: .init(text: "\(auditClass.rawValue): \(auditClass.meaning). Decided from the file's dynamic symbols, symbol versions and relocations, never from its name."),
                help: .init(text: auditClass.advice),
                defaultConfiguration: Self.level(auditClass).map { .init(level: $0) })
        }
        let descriptors = [
            SARIFLog.ReportingDescriptor(id: Self.unreadable, shortDescription: .init(text: AuditClass.error.meaning),
                                         help: .init(text: AuditClass.error.advice)),
            SARIFLog.ReportingDescriptor(id: Self.nothingAudited, shortDescription: .init(text: "no ELF file was found under the paths given: nothing was examined, which is not a clean audit")),
        ]
        var notifications = report.files(.error).map { file in
            SARIFLog.Notification(level: .error, message: .init(text: "\(name(file)): \(file.error ?? "unreadable")"),
                                  descriptor: .init(id: Self.unreadable, index: 0), locations: [location(file)])
        }
        if report.outcome == .nothingAudited {
            notifications.append(.init(level: .error, message: .init(text: report.verdict), descriptor: .init(id: Self.nothingAudited, index: 1)))
        }
        let results = report.files.compactMap { result($0, report: report) }
        var properties = ["verdict": report.verdict]
        if let failOn = report.failOn { properties["failOn"] = failOn.rawValue }
        let invocation = SARIFLog.Invocation(executionSuccessful: Self.successful(report.outcome), commandLine: report.command.joined(separator: " "),
                                             arguments: report.command, toolExecutionNotifications: notifications)
        let driver = SARIFLog.Driver(name: report.tool, semanticVersion: report.toolVersion, version: report.toolVersion,
                                     rules: rules, notifications: descriptors)
        return SARIFLog(runs: [SARIFLog.Run(tool: .init(driver: driver), invocations: [invocation], results: results, properties: properties)])
    }

    /// Whether the audit examined what it was given: every input read, and at least one
    /// ELF file; a merge that lacks shards did not (its verdict, a property, says which).
    static func successful(_ outcome: AuditOutcome) -> Bool {
        switch outcome {
        case .clean, .failing: true
        case .unreadable, .nothingAudited, .incomplete: false
        }
    }

    /// `AffectedPattern`: the rule's name, as SARIF wants it (an identifier, not the id again).
    static func ruleName(_ auditClass: AuditClass) -> String {
        auditClass.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// One result for a file of a rule's class; `nil` for the others. Its level is the
    /// rule's, or `error` when the file is a failure (`affected-pattern`, or `--fail-on`'s
    /// class), so code scanning fails a check exactly where the exit status does.
    func result(_ file: AuditedFile, report: AuditReport) -> SARIFLog.Result? {
        guard let level = Self.level(file.class), let ruleIndex = Self.ruleClasses.firstIndex(of: file.class) else { return nil }
        var properties = ["evidence": AuditEvidence.lines(file).joined(separator: "\n")]
        if let info = file.packageInfo {
            properties["Package"] = info.name
            properties["Version"] = info.version
            properties["Architecture"] = info.architecture
            properties["Source"] = info.source
            properties["SourceVersion"] = info.sourceVersion
        }
        if let image = file.image {
            properties["Image"] = image.image
            properties["Layer"] = "\(image.layer)/\(image.layers)"
            properties["LayerDigest"] = image.digest
        }
        var related: [SARIFLog.Location]?
        if let deb = file.package {
            // `rpm` for an .rpm; `deb` for a .deb and, as before rpm was read, any other archive.
            properties[file.packageInfo?.format ?? "deb"] = deb
            related = [SARIFLog.Location(id: 1, physicalLocation: .init(artifactLocation: .init(uri: uri(deb))), message: .init(text: "the package"))]
        }
        let text = "\(name(file)): \(file.class.rawValue), \(file.class.meaning) (\(AuditEvidence.summary(file))). What to do: \(file.class.advice)."
        // Stable across runs and versions of a package: the class, who owns the file, and where it is.
        // A file of a saved image: the image too (two images of one tar may share the layer).
        let identity = [file.class.rawValue, file.packageInfo?.name ?? file.package.map { ($0 as NSString).lastPathComponent } ?? "", place(file)]
            + (file.image.map { [$0.image] } ?? [])
        return SARIFLog.Result(ruleId: file.class.rawValue, ruleIndex: ruleIndex, level: report.isFailure(file) ? .error : level,
                               message: .init(text: text), locations: [location(file)], relatedLocations: related,
                               partialFingerprints: ["tlsprobeFinding/v1": Self.fingerprint(identity)], properties: properties)
    }

    /// How a message names the file: its path, and for a file from a package the package with its version and source.
    func name(_ file: AuditedFile) -> String {
        guard let deb = file.package, let member = member(file) else { return file.path }
        if let image = file.image { return "\(member) in \(image.description) (\(deb))" }
        guard let info = file.packageInfo else { return "\(member) in \(deb)" }
        return "\(member) in \(info.nameAndVersion) \(info.architecture) (source \(info.source) \(info.sourceVersion); \(deb))"
    }

    /// The path inside its `.deb` (`/usr/bin/x`), for a file unpacked from one.
    func member(_ file: AuditedFile) -> String? {
        guard let deb = file.package, file.path.hasPrefix(deb + ":") else { return nil }
        let member = String(file.path.dropFirst(deb.count + 1))
        return member.isEmpty ? nil : member
    }

    /// The path inside the package, or the file's own path as given.
    func place(_ file: AuditedFile) -> String {
        member(file) ?? file.path
    }

    func location(_ file: AuditedFile) -> SARIFLog.Location {
        let uri = member(file).map(Self.encode) ?? uri(file.path)
        return SARIFLog.Location(physicalLocation: .init(artifactLocation: .init(uri: uri)))
    }

    /// A path on this machine as a URI: relative under the current directory, `file://` elsewhere.
    func uri(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : currentDirectory + "/" + path
        let normalized = URL(fileURLWithPath: absolute).standardizedFileURL.path
        let base = currentDirectory.hasSuffix("/") ? currentDirectory : currentDirectory + "/"
        if normalized.hasPrefix(base), normalized.count > base.count {
            return Self.encode(String(normalized.dropFirst(base.count)))
        }
        return "file://" + Self.encode(normalized)
    }

    /// RFC 3986's path characters left as they are, everything else percent-encoded; `:` too,
    /// so that a relative path whose first segment holds one is never read as a scheme.
    static func encode(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: pathCharacters) ?? path
    }

    private static let pathCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=@/")

    /// FNV-1a, 64 bits, of the parts: the same finding gets the same digits on every run and host.
    static func fingerprint(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "\u{0}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
