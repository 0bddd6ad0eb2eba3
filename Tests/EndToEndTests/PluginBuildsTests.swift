import Foundation
import MatrixModel
import TestSupport
import Testing

/// One BIO built for several OpenSSL ABIs (`--bio-plugin NAME=a.so,b.so` or a folder of builds),
/// the `tlsprobe_plugin_check` hook, and plug-in cells in the diagnosis: on the real binary, real
/// runtimes, and plug-ins compiled here against each runtime's own headers.
@Suite(.serialized) struct PluginBuildsTests {
    /// `socket-copy` (examples/bio-plugins) built against 1.1.1's, 4.0's and the system's (3.x)
    /// headers, by the examples' own build script: libssl soname → file.
    static let socketCopy: Result<[String: String], any Error> = Result {
        var builds: [String: String] = [:]
        for (abi, suite) in [("libssl.so.1.1", "bullseye"), ("libssl.so.4", "experimental"), ("libssl.so.3", nil as String?)] {
            let output = try ProcessScratch.make("plugin-builds-\(suite ?? "system")").path
            let environment = try suite.map { ["PKG_CONFIG_PATH": try Runtimes.fetch($0) + "/pkgconfig"] } ?? [:]
            let build = try ProcessRunner.run(Repository.path("examples/bio-plugins/build"), [output], environment: environment)
            guard build.status == 0 else { throw BIOPluginTests.CompileFailed(command: "examples/bio-plugins/build (\(abi))", stderr: build.stderr) }
            builds[abi] = output + "/socket-copy.so"
        }
        return builds
    }

    static func abi(_ runtime: RuntimeSummary) -> String? {
        runtime.openSSL.map { $0.runtimeMajor == 1 ? "libssl.so.1.1" : "libssl.so.\($0.runtimeMajor)" }
    }

    /// `--runtime all` with three builds under one name: one mode, and on every line the build for
    /// its ABI ran (no cell unsupported), named in each cell's evidence and in the report's builds.
    @Test func oneNameOverThreeABIBuildsRunsOnEveryLine() throws {
        let builds = try Self.socketCopy.get()
        let list = ["libssl.so.1.1", "libssl.so.3", "libssl.so.4"].map { builds[$0]! }.joined(separator: ",")
        let run = try CLI.run(["matrix", "--runtime", "all", "--mode", "plugin:ex", "--tfo", "off", "--family", "ipv4",
                               "--bio-plugin", "ex=\(list)", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        let plugin = try #require(report.plugins?.only, "one plug-in: \(report.plugins ?? [])")
        #expect(plugin.name == "ex")
        #expect(Dictionary(uniqueKeysWithValues: (plugin.builds ?? []).map { ($0.libssl ?? "", $0.path) }) == builds)
        #expect(Set(report.cells.map(\.mode)) == [.plugin("ex")], "one mode")
        #expect(report.runtimes.count == 5, "\(report.runtimes.map { $0.error ?? $0.name })")
        for runtime in report.runtimes {
            let abi = try #require(Self.abi(runtime), "\(runtime.name): \(runtime.error ?? "")")
            let cells = report.cells(of: runtime)
            #expect(cells.count == 2, "\(runtime.name): handshake and teardown")
            for cell in cells {
                #expect(cell.outcome == .ok, "\(runtime.name) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
                #expect(cell.plugin?.build == builds[abi] && cell.plugin?.libssl == abi, "\(runtime.name): \(String(describing: cell.plugin))")
            }
        }
        // The gate follows the one mode across the lines.
        let gate = try CLI.run(["gate", "--runtime", "1.1.1", "--runtime", "4.0", "--runtime", "system", "--require", "plugin:ex",
                                "--tfo", "off", "--family", "ipv4", "--phase", "handshake", "--bio-plugin", "ex=\(list)"])
        #expect(gate.status == 0, "\(gate.transcript)")
    }

    /// A folder of builds: every `*.so` in it, named after the plug-in (its 3.x build answers
    /// `tlsprobe_plugin_name()`; the others, of ABIs this process cannot load, are named in the note).
    @Test func aFolderOfBuildsIsOneMode() throws {
        let builds = try Self.socketCopy.get()
        let folder = try ProcessScratch.make("bio-builds").path
        for (abi, path) in builds {
            try FileManager.default.copyItem(atPath: path, toPath: "\(folder)/socket-copy-\(abi.dropFirst("libssl.so.".count)).so")
        }
        try Data("not a build".utf8).write(to: URL(fileURLWithPath: folder + "/README"))
        let run = try CLI.run(["matrix", "--runtime", "1.1.1", "--runtime", "4.0", "--runtime", "system", "--tfo", "off",
                               "--family", "ipv4", "--phase", "handshake", "--mode", "plugin:socket-copy", "--bio-plugin", folder, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        let plugin = try #require(report.plugins?.only)
        #expect(plugin.name == "socket-copy" && plugin.builds?.count == 3, "\(plugin)")
        #expect(plugin.note?.contains("not asked of") == true, "\(plugin.note ?? "")")
        #expect(report.cells.count == 3 && report.cells.allSatisfy { $0.outcome == .ok },
                "\(report.cells.map { "\($0.runtime): \($0.outcome.rawValue) \($0.reason ?? "")" })")
        #expect(Set(report.cells.compactMap { $0.plugin?.build }).count == 3, "a build of its own on each ABI")
        // The text report lists the builds with their ABIs; each cell's evidence (Markdown) names its file.
        let text = try CLI.run(["matrix", "--runtime", "1.1.1", "--runtime", "system", "--tfo", "off", "--family", "ipv4",
                                "--phase", "handshake", "--mode", "plugin:socket-copy", "--bio-plugin", folder, "--format", "text"])
        #expect(text.output.contains("plug-in plugin:socket-copy: 3 builds, one per ABI"), "\(text.output)")
        #expect(text.output.split(separator: "\n").contains { $0.hasPrefix("  libssl.so.1.1: ") && $0.hasSuffix("socket-copy-1.1.so") }, "\(text.output)")
    }

    /// Two builds for one ABI: a usage error naming both files, before any cell.
    @Test func twoBuildsForOneABIAreAUsageError() throws {
        let builds = try Self.socketCopy.get()
        let twin = try ProcessScratch.make("bio-twin").path + "/other.so"
        try FileManager.default.copyItem(atPath: builds["libssl.so.3"]!, toPath: twin)
        let run = try CLI.run(["matrix", "--runtime", "system", "--bio-plugin", "ex=\(builds["libssl.so.3"]!),\(twin)"])
        #expect(run.status == 2, "\(run.transcript)")
        #expect(run.stderr.contains(builds["libssl.so.3"]!) && run.stderr.contains(twin) && run.stderr.contains("libssl.so.3"), "\(run.stderr)")
    }

    /// A runtime with no build for its ABI: its cells are unsupported with the ABIs the builds
    /// provide and the one it needs; a plug-in that ran nowhere ends the run with exit 2.
    @Test func aRuntimeWithoutItsBuildSaysWhichABIsThereAre() throws {
        let builds = try Self.socketCopy.get()
        let run = try CLI.run(["matrix", "--runtime", "4.0", "--tfo", "off", "--family", "ipv4", "--phase", "handshake",
                               "--mode", "plugin:ex", "--bio-plugin", "ex=\(builds["libssl.so.1.1"]!),\(builds["libssl.so.3"]!)",
                               "--format", "json"])
        #expect(run.status == 2, "it ran nowhere: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        let cell = try #require(report.cells.only)
        let reason = cell.reason ?? ""
        #expect(cell.outcome == .unsupported, "\(cell.outcome.rawValue)")
        #expect(reason.contains("libssl.so.1.1 (\(builds["libssl.so.1.1"]!))") && reason.contains("libssl.so.3 (\(builds["libssl.so.3"]!))")
                && reason.contains("needs a build for libssl.so.4"), "\(reason)")
        // Required by a gate, a line without its build is a failure, never a silent pass.
        let gate = try CLI.run(["gate", "--runtime", "system", "--runtime", "4.0", "--require", "plugin:ex", "--tfo", "off",
                                "--family", "ipv4", "--phase", "handshake",
                                "--bio-plugin", "ex=\(builds["libssl.so.1.1"]!),\(builds["libssl.so.3"]!)"])
        #expect(gate.status == 1 && gate.output.contains("FAIL require plugin:ex") && gate.output.contains("unsupported"), "\(gate.transcript)")
    }

    /// `tlsprobe_plugin_check`: a libpq-like record in BIO data with a canary. On a runtime whose
    /// socket BIO owns its data pointer (3.5) the check fails the cell, without accounting too, and
    /// the diagnosis names the plug-in; on the system's OpenSSL (whose does not) it passes.
    @Test func theCheckHookFailsTheCellWhereOpenSSLDamagedTheRecord() throws {
        let plugin = try BIOPluginTests.compile("record-in-bio-data.c")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", try Runtimes.fetch("trixie"), "--tfo", "off",
                               "--family", "ipv4", "--mode", "plugin:record-in-bio-data", "--bio-plugin", plugin,
                               "--no-accounting", "--format", "json"])
        let report = try Report.decode(run.stdout)
        // The check's evidence and the plug-in's findings are in the published schema.
        let json = try ProcessScratch.make("plugin-check").path + "/report.json"
        try run.stdout.write(to: URL(fileURLWithPath: json))
        let valid = try Formats.validateJSON(json)
        #expect(valid.status == 0, "\(valid.output)")
        #expect(report.runtimes.count == 2)
        for runtime in report.runtimes {
            let owns = try #require(runtime.openSSL, "\(runtime.name)").socketBIOOwnsData
            #expect(runtime.memoryAccounting == false)
            for cell in report.cells(of: runtime) {
                let check = try #require(cell.plugin?.check, "\(runtime.name) \(cell.name): the hook was asked")
                if owns {
                    #expect(check.status == 1 && check.message?.contains("canary 0x0000000000000000") == true, "\(check)")
                    #expect(cell.outcome == .failed && cell.reason?.contains("tlsprobe_plugin_check returned 1") == true
                            && cell.reason?.contains("was overwritten") == true, "\(cell.reason ?? "")")
                } else {
                    #expect(check.status == 0 && cell.outcome == .ok, "\(runtime.name) \(cell.name): \(cell.reason ?? "")")
                }
            }
            let findings = report.diagnosis.filter { $0.runtime == runtime.name && $0.plugin == .plugin("record-in-bio-data") }
            #expect(findings.map(\.mechanism) == (owns ? [.recordOverwritten] : []), "\(runtime.name): \(findings)")
        }
        #expect(Set(report.runtimes.compactMap { $0.openSSL?.socketBIOOwnsData }) == [true, false], "3.0 and 3.5")
    }

    /// The header's recipe for a BIO that attaches itself to an SSL (libpq's my_SSL_set_fd): made on
    /// a scratch SSL, kept with BIO_up_ref, handed over. Every cell is ok with OpenSSL's allocations
    /// accounted: one reference too many would leak, one too few would free the BIO under the SSL.
    @Test func aBIOThatAttachesItselfToAnSSLIsHandedOverAsTheHeaderSays() throws {
        let plugin = try BIOPluginTests.compile("attaches-to-ssl.c")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", try Runtimes.fetch("trixie"), "--family", "ipv4",
                               "--mode", "plugin:attaches-to-ssl", "--bio-plugin", plugin, "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.cells.count == 8, "two runtimes × TFO off/on × handshake/teardown")
        for cell in report.cells {
            #expect(cell.outcome == .ok && cell.memory?.isClean == true,
                    "\(cell.runtime) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
        }
    }

    /// `tlsprobe merge` reads a report from before several builds (a plug-in with its path only,
    /// cells without plug-in evidence, findings without a plug-in) beside a new one, and the merged
    /// report keeps the new one's builds, evidence and plug-in findings.
    @Test func aReportFromBeforeSeveralBuildsMergesWithANewOne() throws {
        let plugin = try BIOPluginTests.compile("record-in-bio-data.c")
        let arguments = ["matrix", "--runtime", try Runtimes.fetch("trixie"), "--tfo", "off", "--family", "ipv4",
                         "--mode", "plugin:record-in-bio-data", "--bio-plugin", plugin, "--format", "json"]
        let new = try CLI.run(arguments)
        let folder = try ProcessScratch.make("plugin-merge").path
        try new.stdout.write(to: URL(fileURLWithPath: folder + "/new.json"))
        var old = try #require(try JSONSerialization.jsonObject(with: new.stdout) as? [String: Any])
        old["plugins"] = (old["plugins"] as? [[String: Any]])?.map { $0.filter { $0.key != "builds" } }
        old["cells"] = (old["cells"] as? [[String: Any]])?.map { $0.filter { $0.key != "plugin" } }
        old["diagnosis"] = (old["diagnosis"] as? [[String: Any]])?.map { $0.filter { $0.key != "plugin" } }
        old["generatedAt"] = "2026-01-01T00:00:00Z"
        try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: folder + "/old.json"))
        let merged = try CLI.run(["merge", folder + "/old.json", folder + "/new.json", "--format", "json"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let report = try Report.decode(merged.stdout)
        #expect(report.plugins?.contains { $0.builds?.first?.path == plugin } == true, "\(report.plugins ?? [])")
        #expect(report.cells.filter { $0.plugin?.check?.status == 1 }.count == 2, "the new report's checked cells")
        #expect(report.diagnosis.contains { $0.plugin == .plugin("record-in-bio-data") && $0.mechanism == .recordOverwritten })
    }

    /// The legacy-fastopen example on 3.5: its failing cells are findings of the diagnosis, named
    /// after the plug-in, with advice naming the runtime probed; the verdict's reproduced designs
    /// do not count them.
    @Test func aFailingPluginIsInTheDiagnosis() throws {
        let built = try PluginFixtures.built.get()
        let run = try CLI.run(["matrix", "--runtime", try Runtimes.fetch("trixie"), "--mode", "plugin:legacy-fastopen",
                               "--family", "ipv4", "--bio-plugin", built.examples["legacy-fastopen"]!, "--format", "json"])
        let report = try Report.decode(run.stdout)
        try #require(report.runtimes.first?.openSSL?.socketBIOOwnsData == true, "the precondition: OpenSSL 3.5's socket BIO")
        let findings = report.diagnosis.filter { $0.plugin == .plugin("legacy-fastopen") }
        #expect(Set(findings.map(\.mechanism)) == [.dataPointerRegression, .pointerOverwritten], "\(report.diagnosis)")
        let regression = try #require(findings.first { $0.mechanism == .dataPointerRegression })
        #expect(regression.evidence.allSatisfy { $0.hasPrefix("plugin:legacy-fastopen/tfo-off") } && !regression.evidence.isEmpty)
        #expect(regression.explanation.contains("address length 0") && regression.explanation.contains("EINVAL"), "\(regression.explanation)")
        #expect(report.diagnosis.allSatisfy { $0.plugin != nil }, "no built-in mode ran, so no built-in finding")
        let text = try CLI.run(["matrix", "--runtime", try Runtimes.fetch("trixie"), "--mode", "plugin:legacy-fastopen",
                                "--family", "ipv4", "--bio-plugin", built.examples["legacy-fastopen"]!, "--format", "text", "--cells"])
        #expect(text.output.contains("Diagnosis: plugin:legacy-fastopen:") && text.output.contains("ex_data"), "\(text.output)")
    }
}

extension Array {
    /// The one element, or `nil` when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
