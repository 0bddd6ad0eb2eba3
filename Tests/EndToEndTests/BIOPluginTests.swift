import AuditClassification
import Foundation
import MatrixModel
import TestSupport
import Testing

/// `--bio-plugin`: a proxy's own BIO code in every cell. The four examples of
/// `examples/bio-plugins/` on the system OpenSSL, 3.5 and 3.6 (what each must do
/// follows from what the runtime's worker measured, never from its name), then
/// plug-ins that cannot run, fail, or crash.
@Suite struct BIOPluginTests {
    /// One run of the four examples beside proxy-core on three runtimes.
    static let examples: Result<Report, any Error> = Result {
        let built = try PluginFixtures.built.get()
        var arguments = ["matrix", "--runtime", "system", "--runtime", try Runtimes.fetch("trixie"),
                         "--runtime", try Runtimes.fetch("sid"), "--mode", "proxy-core", "--format", "json"]
        for name in PluginFixtures.exampleNames { arguments += ["--bio-plugin", built.examples[name]!] }
        let run = try CLI.run(arguments)
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(arguments: arguments, status: run.status, stderr: run.stderr) }
        return try Report.decode(run.stdout)
    }

    static func skippable(_ cell: CellResult, _ report: Report) -> Bool {
        cell.outcome == .skipped && cell.family == .ipv6 && !report.environment.ipv6Loopback
    }

    @Test func everyExampleRunsInEveryCellWithItsNameAndAuditClass() throws {
        let report = try Self.examples.get()
        let plugins = try #require(report.plugins)
        // Each name is the plug-in's own tlsprobe_plugin_name(); each class is the audit's, read from the file.
        #expect(Dictionary(uniqueKeysWithValues: plugins.map { ($0.name, $0.auditClass) }) == [
            "legacy-fastopen": .affectedPattern, "exdata-fastopen": .inheritsSocketBIO,
            "filter-fastopen": .ownBIO, "socket-copy": .inheritsSocketBIO,
        ])
        #expect(report.runtimes.count == 3)
        for runtime in report.runtimes {
            for name in PluginFixtures.exampleNames {
                let cells = report.cells(of: runtime).filter { $0.mode == .plugin(name) }
                // Both TFO settings, both families, handshake and teardown.
                #expect(cells.count == 8, "\(runtime.name) plugin:\(name): \(cells.count) cells")
                #expect(cells.allSatisfy { $0.memory != nil }, "\(runtime.name) plugin:\(name): accounted")
            }
        }
    }

    @Test func theFixedDesignsAreOkEverywhere() throws {
        let report = try Self.examples.get()
        let fixed = report.cells.filter { ["exdata-fastopen", "filter-fastopen", "socket-copy"].contains($0.mode.pluginName ?? "") }
        #expect(fixed.count == 3 * 8 * report.runtimes.count, "three plug-ins, eight cells each, on every runtime")
        for cell in fixed {
            if Self.skippable(cell, report) { continue }
            #expect(cell.outcome == .ok, "\(cell.runtime) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
            if cell.phase == .handshake {
                #expect(cell.firstWrite?.observedBy == .libcBoundary, "\(cell.runtime) \(cell.name)")
            }
        }
    }

    /// The legacy example fails exactly as the built-in reproduction does, seen at the libc boundary.
    @Test func theLegacyExampleBreaksWhereTheSocketBIOOwnsItsDataPointer() throws {
        let report = try Self.examples.get()
        for runtime in report.runtimes {
            let owns = try #require(runtime.openSSL).socketBIOOwnsData
            let cells = report.cells(of: runtime).filter { $0.mode == .plugin("legacy-fastopen") && !Self.skippable($0, report) }
            #expect(cells.count >= 4, "\(runtime.name): at least the IPv4 cells ran")
            for cell in cells {
                let name = "\(runtime.name) \(cell.name)"
                guard owns else {
                    #expect(cell.outcome == .ok, "\(name): \(cell.reason ?? "")")
                    continue
                }
                // Released unwritten with TFO off, the BIO frees OpenSSL's own struct: that much is clean.
                let clean = cell.phase == .teardown && cell.tfo == .off
                #expect(cell.outcome == (clean ? .ok : .failed), "\(name): \(cell.reason ?? "")")
                if cell.phase == .handshake && cell.tfo == .off {
                    let write = try #require(cell.firstWrite, "\(name)")
                    #expect(write.observedBy == .libcBoundary && write.syscall == .sendto && write.flags == ["MSG_FASTOPEN"]
                            && write.addressLength == 0 && write.errno == .invalidArgument, "\(name): \(write.summary)")
                }
                if cell.phase == .teardown && cell.tfo == .on {
                    #expect((cell.memory?.foreignFrees ?? 0) >= 1, "\(name): OpenSSL freed the application's address")
                }
            }
        }
        let lines = report.verdictLines ?? []
        #expect(lines.contains { $0.hasPrefix("plug-in legacy-fastopen (plugin:legacy-fastopen): AFFECTED on OpenSSL") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("plug-in socket-copy (plugin:socket-copy): ok on all 3 runtimes") }, "\(lines)")
    }

    /// Plug-ins that cannot be loaded, return NULL or crash: each cell says so, and the others still run.
    /// Those that could run nowhere (loaded on no runtime) end the run with exit 2, each named on
    /// stderr with its reason, never "No failures." and 0; those that ran (and failed) do not count.
    /// `gate` as `matrix`: a plug-in that could run nowhere ends the run 2 with its reasons, and a
    /// condition that held is then UNDECIDED, never a PASS of a BIO nobody tested.
    @Test func aGateWithAPluginThatRanNowhereIsNotPassed() throws {
        let fixtures = try PluginFixtures.built.get().fixtures
        let run = try CLI.run(["gate", "--runtime", "system", "--require", "proxy-core", "--tfo", "off", "--family", "ipv4",
                               "--phase", "handshake", "--bio-plugin", fixtures["no-new-bio"]!])
        #expect(run.status == 2, "\(run.transcript)")
        #expect(run.stderr.contains("tlsprobe: plugin:no-new-bio (") && run.stderr.contains("could run on no runtime probed"), "\(run.stderr)")
        #expect(run.output.contains("UNDECIDED require proxy-core:") && !run.output.contains("PASS "), "\(run.output)")
    }

    @Test func brokenPluginsAreReportedAndTheRestRuns() throws {
        let fixtures = try PluginFixtures.built.get().fixtures
        var arguments = ["matrix", "--runtime", "system", "--mode", "proxy-core", "--tfo", "off", "--family", "ipv4", "--phase", "handshake", "--format", "json"]
        for name in ["abi-mismatch", "returns-null", "crashes", "no-new-bio", "program"] { arguments += ["--bio-plugin", fixtures[name]!] }
        arguments += ["--bio-plugin", Repository.path("README.md"), "--bio-plugin", try AuditFixtures.get().i386Affected]
        let run = try CLI.run(arguments)
        #expect(run.status == 2, "five plug-ins could run nowhere: \(run.stderr)")
        for name in ["abi-mismatch", "no-new-bio", "program", "README.md", "legacy-i386"] {
            #expect(run.stderr.contains("tlsprobe: plugin:\(name) (") && run.stderr.contains("could run on no runtime probed, so it was not tested"),
                    "\(name): \(run.stderr)")
        }
        #expect(run.stderr.contains("  system: \(fixtures["abi-mismatch"]!) declares plug-in ABI 99"), "\(run.stderr)")
        #expect(!run.stderr.contains("plugin:returns-null") && !run.stderr.contains("plugin:crashes"), "these ran: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        func cell(_ name: String) throws -> CellResult { try #require(report.cells.first { $0.mode == .plugin(name) }, "\(name)") }
        #expect(report.cells.first { $0.mode == .proxyCore }?.outcome == .ok)
        let abi = try cell("abi-mismatch")
        #expect(abi.outcome == .unsupported && abi.reason?.contains("declares plug-in ABI 99; this tlsprobe speaks ABI 1") == true, "\(abi.reason ?? "")")
        let null = try cell("returns-null")
        #expect(null.outcome == .failed && null.reason?.contains("returned NULL") == true && null.errno == .protocolNotSupported,
                "\(null.reason ?? "")")
        let crash = try cell("crashes")
        #expect(crash.outcome == .crashed && crash.signal == "SIGSEGV", "\(crash.reason ?? "")")
        let missing = try cell("no-new-bio")
        #expect(missing.outcome == .unsupported && missing.reason?.contains("does not define tlsprobe_plugin_new_bio") == true)
        let program = try cell("program")
        #expect(program.outcome == .unsupported && program.reason?.contains("is not a shared object (ELF type: pie-executable)") == true,
                "\(program.reason ?? "")")
        let text = try cell("README.md")
        #expect(text.outcome == .unsupported && text.reason?.contains("not an ELF file") == true)
        // A 32-bit shared object: another machine's code, refused before it is loaded.
        let i386 = try cell("legacy-i386")
        #expect(i386.outcome == .unsupported && i386.reason?.contains("not a 64-bit ELF file") == true, "\(i386.reason ?? "")")
    }

    /// A plug-in that loads on some runtimes only still ran: the run keeps the status its other
    /// cells give. One that calls a function OpenSSL 3.2 added is unsupported on this host's 3.0
    /// (the loader cannot bind it) and ok on 3.5.
    @Test func aPluginThatRanOnSomeRuntimeKeepsTheRunsStatus() throws {
        let plugin = try Self.compile("needs-openssl-3.2.c")
        let arguments = ["matrix", "--runtime", "system", "--runtime", try Runtimes.fetch("trixie"), "--mode", "proxy-core", "--tfo", "off",
                         "--family", "ipv4", "--phase", "handshake", "--bio-plugin", plugin, "--format", "json"]
        let run = try CLI.run(arguments)
        let report = try Report.decode(run.stdout)
        let cells = report.cells.filter { $0.mode == .plugin("needs-openssl-3.2") }
        for runtime in report.runtimes {
            let ssl = try #require(runtime.openSSL, "\(runtime.name)")
            let cell = try #require(cells.first { $0.runtime == runtime.name })
            let binds = ssl.runtimeMajor > 3 || (ssl.runtimeMajor == 3 && ssl.runtimeMinor >= 2)
            #expect(cell.outcome == (binds ? .ok : .unsupported), "\(runtime.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
        }
        try #require(cells.contains { $0.outcome == .ok } && cells.contains { $0.outcome == .unsupported },
                     "the precondition: a runtime before 3.2 and one after: \(report.runtimes.map(\.name))")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("could run on no runtime"), "\(run.stderr)")
    }

    /// A C++ plug-in without `extern "C"`: dlsym finds no `tlsprobe_plugin_new_bio`, and the reason
    /// names the mangled symbol the file defines instead and what to do about it.
    @Test func aCxxPluginWithoutExternCIsToldToDeclareIt() throws {
        let plugin = try Self.compile("cxx-without-extern-c.cpp")
        let run = try CLI.run(["matrix", "--runtime", "system", "--mode", "proxy-core", "--tfo", "off", "--family", "ipv4",
                               "--phase", "handshake", "--bio-plugin", plugin, "--format", "json"])
        #expect(run.status == 2, "it could run nowhere: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        let cell = try #require(report.cells.first { $0.mode == .plugin("cxx-without-extern-c") })
        #expect(cell.outcome == .unsupported, "\(cell.outcome.rawValue)")
        let reason = cell.reason ?? ""
        #expect(reason.contains("does not define tlsprobe_plugin_new_bio"), "\(reason)")
        #expect(reason.contains("it defines the C++ symbol _Z23tlsprobe_plugin_new_bio"), "\(reason)")
        #expect(reason.contains("_Z20tlsprobe_plugin_namev"), "the other hooks it mangled too: \(reason)")
        #expect(reason.contains("declare the plug-in's functions extern \"C\""), "\(reason)")
        #expect(run.stderr.contains("_Z23tlsprobe_plugin_new_bio"), "\(run.stderr)")
        // A C plug-in without the function gets no such hint.
        let missing = try CLI.run(["matrix", "--runtime", "system", "--mode", "proxy-core", "--tfo", "off", "--family", "ipv4",
                                   "--phase", "handshake", "--bio-plugin", try PluginFixtures.built.get().fixtures["no-new-bio"]!, "--format", "json"])
        let plain = try Report.decode(missing.stdout).cells.first { $0.mode == .plugin("no-new-bio") }?.reason ?? ""
        #expect(plain.contains("does not define tlsprobe_plugin_new_bio") && !plain.contains("extern"), "\(plain)")
    }

    /// The default name is the file name without `.so`: two versions of one plug-in keep two
    /// names, each usable as `plugin:NAME` by `--mode` and `gate --require`.
    @Test func theDefaultNameKeepsTheVersionInTheFileName() throws {
        let nameless = try #require(try PluginFixtures.built.get().fixtures["returns-null"])
        let folder = try Repository.scratch("plugin-versions")
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for version in ["9.2.4", "9.2.7"] {
            let path = folder.appendingPathComponent("ats-\(version).so").path
            try FileManager.default.copyItem(atPath: nameless, toPath: path)
            paths.append(path)
        }
        let axes = ["--runtime", "system", "--tfo", "off", "--family", "ipv4", "--phase", "handshake"]
        let run = try CLI.run(["matrix"] + axes + ["--mode", "proxy-core", "--mode", "plugin:ats-9.2.7", "--bio-plugin", paths[0],
                                                   "--bio-plugin", paths[1], "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.plugins?.map(\.name) == ["ats-9.2.4", "ats-9.2.7"])
        #expect(Set(report.cells.compactMap(\.mode.pluginName)) == ["ats-9.2.4", "ats-9.2.7"])
        let gate = try CLI.run(["gate"] + axes + ["--require", "plugin:ats-9.2.4", "--bio-plugin", paths[0], "--bio-plugin", paths[1]])
        #expect(gate.status == 1 && gate.output.contains("plugin:ats-9.2.4"), "its new_bio returns NULL: \(gate.output) \(gate.stderr)")
    }

    /// A plug-in built for OpenSSL 1.1.1 (against the bullseye runtime's headers) on this host and
    /// on 3.5: each cell names the runtime it ran on (soname, version, folder) and where that
    /// runtime's headers are; the report's note on the plug-in names no runtime's OpenSSL as the
    /// one to build for, since the parent process never probes it.
    @Test func aPluginForAnotherABIIsAdvisedForTheRuntimeProbed() throws {
        let bullseye = try Runtimes.fetch("bullseye")
        let output = try ProcessScratch.make("plugins-1.1.1").path
        let build = try ProcessRunner.run(Repository.path("examples/bio-plugins/build"), [output],
                                          environment: ["PKG_CONFIG_PATH": bullseye + "/pkgconfig"])
        try #require(build.status == 0, "\(build.stderr)")
        let plugin = output + "/socket-copy.so"
        let trixie = try Runtimes.fetch("trixie")
        let run = try CLI.run(["matrix", "--runtime", "system", "--runtime", trixie, "--mode", "proxy-core", "--tfo", "off",
                               "--family", "ipv4", "--phase", "handshake", "--bio-plugin", plugin, "--format", "json"])
        #expect(run.status == 2, "it could run nowhere: \(run.stderr)")
        let report = try Report.decode(run.stdout)
        let note = try #require(report.plugins?.first?.note)
        #expect(note.contains("it needs libcrypto.so.1.1") && !note.contains("this runtime's OpenSSL"), "\(note)")
        for runtime in report.runtimes {
            let ssl = try #require(runtime.openSSL, "\(runtime.name)")
            let folder = try #require(ssl.libsslPath.map { ($0 as NSString).deletingLastPathComponent })
            let cell = try #require(report.cells(of: runtime).first { $0.mode == .plugin("socket-copy") })
            let reason = cell.reason ?? ""
            #expect(cell.outcome == .unsupported, "\(runtime.name)")
            #expect(reason.contains("needs libcrypto.so.1.1 (its DT_NEEDED); this runtime's OpenSSL is libssl.so.3 (\(ssl.runtimeVersion), from \(folder))"),
                    "\(runtime.name): \(reason)")
            let headers = FileManager.default.fileExists(atPath: folder + "/pkgconfig/openssl.pc")
            #expect(reason.contains("PKG_CONFIG_PATH=\(folder)/pkgconfig") == headers, "\(runtime.name): \(reason)")
        }
        #expect(Set(report.runtimes.compactMap { $0.openSSL?.runtimeVersion }).count == 2, "two runtimes, two versions")
    }

    @Test func aRequiredPluginModeGatesAndAnUnknownOneIsAUsageError() throws {
        let built = try PluginFixtures.built.get()
        let gate = try CLI.run(["gate", "--require", "plugin:socket-copy", "--bio-plugin", built.examples["socket-copy"]!,
                                "--tfo", "off", "--phase", "handshake"])
        #expect(gate.status == 0, "\(gate.stdout) \(gate.stderr)")
        let unknown = try CLI.run(["gate", "--require", "plugin:nobody", "--bio-plugin", built.examples["socket-copy"]!])
        #expect(unknown.status == 2 && unknown.stderr.contains("plugin:nobody is the mode of no --bio-plugin"), "\(unknown.stderr)")
        let missing = try CLI.run(["matrix", "--runtime", "system", "--bio-plugin", "/nonexistent/plugin.so"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/plugin.so"), "\(missing.stderr)")
    }

    /// `--no-accounting`: the foreign free does what it does in a proxy. glibc aborts on the
    /// application's address freed by OpenSSL 3.5's socket BIO; the crash carries its signal
    /// and glibc's own words, and the report says the cells were not accounted.
    @Test func withoutAccountingTheLegacyTeardownCrashesAsInAProxy() throws {
        let built = try PluginFixtures.built.get()
        let arguments = ["matrix", "--runtime", try Runtimes.fetch("trixie"), "--mode", "legacy-fastopen", "--tfo", "on",
                         "--family", "ipv4", "--phase", "teardown", "--bio-plugin", built.examples["legacy-fastopen"]!,
                         "--no-accounting", "--format", "json"]
        let run = try CLI.run(arguments)
        let report = try Report.decode(run.stdout)
        #expect(report.runtimes.first?.memoryAccounting == false)
        try #require(report.runtimes.first?.openSSL?.socketBIOOwnsData == true, "the precondition: OpenSSL 3.5's socket BIO")
        #expect(report.cells.count == 2)
        for cell in report.cells {
            #expect(cell.outcome == .crashed && cell.signal == "SIGABRT", "\(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
            #expect(cell.reason?.contains("invalid pointer") == true, "glibc's message: \(cell.reason ?? "")")
            #expect(cell.memory == nil)
        }
    }

    /// Builds a fixture of `Tests/Fixtures/plugins/` that `PluginFixtures` does not: with c++ for
    /// a `.cpp`, cc otherwise, against the system OpenSSL.
    static func compile(_ source: String) throws -> String {
        let folder = try ProcessScratch.make("plugin-fixture").path
        let name = (source as NSString).deletingPathExtension
        let compiler = source.hasSuffix(".cpp") ? "/usr/bin/c++" : "/usr/bin/cc"
        let target = "\(folder)/\(name).so"
        let arguments = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", target, Repository.path("Tests/Fixtures/plugins/\(source)"),
                         "-lssl", "-lcrypto"]
        let run = try ProcessRunner.run(compiler, arguments)
        guard run.status == 0 else { throw CompileFailed(command: "\(compiler) \(arguments.joined(separator: " "))", stderr: run.stderr) }
        return target
    }

    struct CompileFailed: Error, CustomStringConvertible {
        let command: String
        let stderr: String
        var description: String { "\(command) failed: \(stderr)" }
    }

    /// A report with plug-ins and both observers' records still follows the published schemas.
    @Test func reportsWithPluginsFollowTheSchemas() throws {
        let built = try PluginFixtures.built.get()
        let folder = try Repository.scratch("plugin-formats")
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("report.json").path
        let xml = folder.appendingPathComponent("report.xml").path
        let base = ["matrix", "--runtime", try Runtimes.fetch("trixie"), "--mode", "legacy-fastopen",
                    "--bio-plugin", built.examples["legacy-fastopen"]!, "--bio-plugin", built.examples["filter-fastopen"]!]
        #expect(try CLI.run(base + ["--format", "json", "--output", json, "--quiet"]).status == 0)
        let valid = try Formats.validateJSON(json)
        #expect(valid.status == 0, "\(valid.output)")
        let report = try Report.decode(try Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(report.cells.contains { $0.bioFirstWrite != nil && $0.firstWrite?.destinationFamily == "AF_UNSPEC" },
                "the legacy TFO-off sendto, seen by both, with OpenSSL's zeroed struct as destination")
        #expect(try CLI.run(base + ["--format", "junit", "--output", xml, "--quiet"]).status == 0)
        let lint = try Formats.xmllint(["--noout", "--schema", Formats.junitSchema, xml])
        #expect(lint.status == 0, "\(lint.stderr)")
    }
}
