import AuditClassification
import BinaryAudit
import Foundation
import TestSupport
import Testing

/// `tlsprobe audit --format sarif` as GitHub code scanning reads it: every document
/// valid against OASIS's SARIF 2.1.0 schema, one result per finding file named so
/// that code scanning can map it, the package of a file from a `.deb` in its
/// properties, and what could not be read as notifications, never as results.
@Suite struct AuditSARIFTests {
    /// The members of a SARIF log these tests read; decoding fails on a missing one.
    struct Log: Decodable {
        var version: String
        var runs: [Run]

        struct Run: Decodable {
            var tool: Tool
            var invocations: [Invocation]
            var results: [Result]
        }

        struct Tool: Decodable {
            var driver: Driver
        }

        struct Driver: Decodable {
            var name: String
            var version: String
            var rules: [Rule]
        }

        struct Rule: Decodable {
            var id: String
            var help: Message
            var defaultConfiguration: Configuration
        }

        struct Configuration: Decodable {
            var level: String
        }

        struct Message: Decodable {
            var text: String
        }

        struct Invocation: Decodable {
            var executionSuccessful: Bool
            var toolExecutionNotifications: [Notification]
        }

        struct Notification: Decodable {
            var level: String
            var message: Message
            var descriptor: Reference
            var locations: [Location]?
        }

        struct Reference: Decodable {
            var id: String
        }

        struct Result: Decodable {
            var ruleId: String
            var level: String
            var message: Message
            var locations: [Location]
            var relatedLocations: [Location]?
            var partialFingerprints: [String: String]
            var properties: [String: String]?

            var uri: String? { locations.first?.physicalLocation.artifactLocation.uri }
        }

        struct Location: Decodable {
            var physicalLocation: PhysicalLocation
        }

        struct PhysicalLocation: Decodable {
            var artifactLocation: ArtifactLocation
        }

        struct ArtifactLocation: Decodable {
            var uri: String
        }

        var run: Run { runs[0] }
    }

    /// `tlsprobe ARGUMENTS` started in `directory`, as a CI job in its checkout runs it.
    static func audit(_ arguments: [String], in directory: String) throws -> ProcessRunner.Run {
        try ProcessRunner.run("/usr/bin/env", ["-C", directory, Repository.binary, "audit"] + arguments)
    }

    /// The SARIF document at `path`, after checking it against the schema.
    static func log(at path: String) throws -> Log {
        let valid = try Formats.validateSARIF(path)
        #expect(valid.status == 0, "not valid SARIF 2.1.0: \(valid.transcript)")
        return try JSONDecoder().decode(Log.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// stdout's SARIF, written to `folder` to be validated.
    static func log(_ run: ProcessRunner.Run, in folder: URL) throws -> Log {
        let path = folder.appendingPathComponent("stdout-\(UUID().uuidString).sarif").path
        try run.stdout.write(to: URL(fileURLWithPath: path))
        return try log(at: path)
    }

    /// The classes SARIF reports as results: the findings other than `error`.
    static let resultClasses: [AuditClass] = [.affectedPattern, .inheritsSocketBIO, .embeddedOpenSSL]

    @Test func theFixturesAsResultsWithRelativeURIs() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-sarif")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The fixtures under the directory the audit runs in: a folder of the checkout.
        let checkout = folder.appendingPathComponent("checkout")
        try FileManager.default.createDirectory(at: checkout, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: built.folder, toPath: checkout.appendingPathComponent("bin").path)
        let json = folder.appendingPathComponent("audit.json").path, sarif = folder.appendingPathComponent("audit.sarif").path
        let run = try Self.audit(["bin", "--output", "json:" + json, "--output", "sarif:" + sarif], in: checkout.path)
        #expect(run.status == 0, "\(run.transcript)")
        let report = try AuditReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        let log = try Self.log(at: sarif)

        #expect(log.version == "2.1.0" && log.runs.count == 1)
        #expect(log.run.tool.driver.name == "tlsprobe" && log.run.tool.driver.version == report.toolVersion)
        #expect(log.run.tool.driver.rules.map(\.id) == Self.resultClasses.map(\.rawValue), "one rule per class reported as a result, in order")
        for rule in log.run.tool.driver.rules {
            let auditClass = try #require(AuditClass(rawValue: rule.id))
            #expect(rule.help.text == auditClass.advice, "the help is the advice the other reports print")
        }
        #expect(log.run.tool.driver.rules.map(\.defaultConfiguration.level) == ["error", "warning", "note"])

        // The same classes as the JSON audit of the same files, one result per finding file.
        let findings = report.files.filter { Self.resultClasses.contains($0.class) }
        #expect(Set(log.run.results.map(\.ruleId)) == Set(findings.map(\.class.rawValue)))
        #expect(Set(findings.map(\.class)) == Set(Self.resultClasses), "every result class among the fixtures: \(report.summary)")
        #expect(log.run.results.count == findings.count)
        for file in findings {
            let result = try #require(log.run.results.first { $0.uri == file.path }, "no result for \(file.path): \(log.run.results.map(\.uri))")
            #expect(file.path.hasPrefix("bin/"), "the path as given, relative to the checkout: \(file.path)")
            #expect(result.ruleId == file.class.rawValue)
            #expect(result.message.text.contains(file.class.advice), "\(result.message.text)")
            #expect(result.level == (file.class == .affectedPattern ? "error" : file.class == .inheritsSocketBIO ? "warning" : "note"))
            #expect(result.partialFingerprints["tlsprobeFinding/v1"]?.count == 16)
        }
        #expect(!log.run.results.contains { $0.uri?.hasSuffix("own-bio") == true || $0.uri?.hasSuffix("not-openssl") == true },
                "clean files are no results")
        #expect(log.run.invocations.first?.executionSuccessful == true)
        #expect(log.run.invocations.first?.toolExecutionNotifications.isEmpty == true)

        // From a folder beside the checkout: file:// URIs, and --fail-on's class is an error like the exit status says.
        let beside = folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: beside, withIntermediateDirectories: true)
        let elsewhere = try Self.audit(["../checkout/bin", "--fail-on", "inherits-socket-bio", "--format", "sarif"], in: beside.path)
        #expect(elsewhere.status == 1, "--fail-on still sets the exit status: \(elsewhere.stderr)")
        let absolute = try Self.log(elsewhere, in: folder)
        #expect(absolute.run.results.count == findings.count)
        #expect(absolute.run.results.allSatisfy { $0.uri?.hasPrefix("file://" + folder.path + "/checkout/bin/") == true },
                "\(absolute.run.results.map(\.uri))")
        #expect(absolute.run.results.first { $0.ruleId == "inherits-socket-bio" }?.level == "error")
    }

    @Test func packagesNamedInEveryResult() throws {
        let folder = try Repository.scratch("audit-sarif-debs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let debs = try AuditPackageFolderTests.debs(in: folder)
        let json = folder.appendingPathComponent("audit.json").path, sarif = folder.appendingPathComponent("audit.sarif").path
        let run = try Self.audit(["debs", "--fail-on", "affected-pattern", "--output", "json:" + json, "--output", "sarif:" + sarif],
                                 in: folder.path)
        #expect(run.status == 1, "the affected package fails --fail-on with SARIF too: \(run.transcript)")
        let report = try AuditReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        let log = try Self.log(at: sarif)

        let findings = report.files.filter { Self.resultClasses.contains($0.class) }
        #expect(findings.count == 2, "legacy and fixed; own-bio is clean: \(report.files.map(\.path))")
        #expect(Set(log.run.results.map(\.ruleId)) == Set(findings.map(\.class.rawValue)))
        #expect(log.run.results.count == findings.count)
        for file in findings {
            let info = try #require(file.packageInfo)
            let member = try #require(file.package.map { String(file.path.dropFirst($0.count + 1)) })
            let result = try #require(log.run.results.first { $0.properties?["Package"] == info.name }, "no result for \(info.name)")
            #expect(result.uri == member, "the member's path in the package: \(String(describing: result.uri))")
            #expect(result.properties?["Version"] == info.version && result.properties?["Architecture"] == info.architecture
                    && result.properties?["Source"] == info.source, "\(String(describing: result.properties))")
            #expect(result.message.text.contains("\(info.name) \(info.version)"), "\(result.message.text)")
            let deb = try #require(file.package)
            #expect(result.relatedLocations?.first?.physicalLocation.artifactLocation.uri == deb,
                    "the .deb, relative to where the audit ran: \(String(describing: result.relatedLocations))")
            #expect(deb.hasPrefix("debs/"))
        }
        #expect(log.run.results.first { $0.properties?["Package"] == "tlsprobe-legacy" }?.properties?["Source"] == "tlsprobe-proxy")

        // A re-run from elsewhere, naming the folder another way, finds the same findings.
        let again = try Self.audit([debs, "--format", "sarif"], in: "/")
        #expect(again.status == 0, "no --fail-on: \(again.stderr)")
        let second = try Self.log(again, in: folder)
        func prints(_ log: Log) -> [String: [String: String]] {
            Dictionary(uniqueKeysWithValues: log.run.results.map { ($0.properties?["Package"] ?? "", $0.partialFingerprints) })
        }
        #expect(prints(second) == prints(log), "fingerprints are the class, package and member, not where the .deb lay")
        #expect(Set(prints(log).values).count == 2)
    }

    @Test func aCleanInputGivesAValidLogWithNoResults() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-sarif-clean")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.audit([built.path("own-bio"), built.path("not-openssl"), built.path("no-custom-bio"), "--fail-on", "inherits-socket-bio",
                                  "--format", "sarif"], in: folder.path)
        #expect(run.status == 0, "\(run.transcript)")
        let log = try Self.log(run, in: folder)
        #expect(log.run.results.isEmpty)
        #expect(log.run.tool.driver.rules.count == Self.resultClasses.count, "the rules are listed all the same")
        #expect(log.run.invocations.first?.executionSuccessful == true)
    }

    @Test func unreadableInputsAreNotificationsNotResults() throws {
        let built = try AuditFixtures.get()
        let folder = try Repository.scratch("audit-sarif-errors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Data(contentsOf: URL(fileURLWithPath: built.path("affected-pattern")))
        try good.prefix(good.count / 3).write(to: folder.appendingPathComponent("truncated"))
        try FileManager.default.copyItem(atPath: built.path("affected-pattern"), toPath: folder.appendingPathComponent("affected").path)
        let run = try Self.audit(["truncated", "affected", "--format", "sarif"], in: folder.path)
        #expect(run.status == 2, "an unreadable file is exit 2 whatever the format: \(run.transcript)")
        let log = try Self.log(run, in: folder)
        #expect(log.run.results.map(\.ruleId) == ["affected-pattern"], "the readable file is still a result")
        #expect(log.run.results.first?.uri == "affected")
        let invocation = try #require(log.run.invocations.first)
        #expect(!invocation.executionSuccessful)
        let notification = try #require(invocation.toolExecutionNotifications.first)
        #expect(invocation.toolExecutionNotifications.count == 1)
        #expect(notification.descriptor.id == "error" && notification.level == "error")
        #expect(notification.message.text.hasPrefix("truncated: truncated"), "\(notification.message.text)")
        #expect(notification.locations?.first?.physicalLocation.artifactLocation.uri == "truncated")

        // No ELF file at all: exit 3, and the log says nothing was examined.
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data("notes\n".utf8).write(to: empty.appendingPathComponent("README"))
        let nothing = try Self.audit(["empty", "--format", "sarif"], in: folder.path)
        #expect(nothing.status == 3, "\(nothing.transcript)")
        let nothingLog = try Self.log(nothing, in: folder)
        #expect(nothingLog.run.results.isEmpty)
        #expect(nothingLog.run.invocations.first?.executionSuccessful == false)
        #expect(nothingLog.run.invocations.first?.toolExecutionNotifications.map(\.descriptor.id) == ["nothing-audited"])
    }

    /// A matrix has no findings in files: `matrix` and `gate` refuse SARIF before doing anything
    /// (`merge` once it has read its reports: audit shards merge into SARIF, `AuditShardTests`).
    @Test(arguments: [["matrix", "--mode", "fd", "--format", "sarif"], ["gate", "--output", "sarif:gate.sarif"]])
    func matrixCommandsRefuseSARIF(_ arguments: [String]) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "\(run.transcript)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "tlsprobe: sarif is a format of tlsprobe audit only (its findings are files); \(arguments[0]) writes text, json, markdown, junit\n",
                "\(run.stderr)")
    }
}
