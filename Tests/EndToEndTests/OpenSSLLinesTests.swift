import Foundation
import MatrixModel
import ProxyCore
import TestSupport
import Testing

/// `--runtime all`: every OpenSSL line people run (1.1.1, 3.0, 3.5, 3.6, 4.0), fetched on
/// first use into the runtime cache, with a worker built for the 1.1.1 and 4.0 ABIs from
/// these sources against their own headers. On a fresh machine the first run fetches and
/// builds all of it; what each line must show follows from what its worker measured
/// (the socket BIO's data pointer, the loaded version), never from a suite's name.
@Suite(.serialized) struct OpenSSLLinesTests {
    /// The cache every test of this file shares (and scripts/test's second pass reuses).
    static let cache = Repository.path(".build-runtime-cache")

    /// The one `--runtime all` run, and how long it took (fetching and building included).
    static let run: Result<(run: ProcessRunner.Run, seconds: Double, report: Report), any Error> = Result {
        let started = Date()
        let arguments = ["matrix", "--runtime", "all", "--format", "json"]
        let run = try CLI.run(arguments, environment: ["XDG_CACHE_HOME": cache])
        guard run.status == 0 || run.status == 1 else { throw CLIFailed(arguments: arguments, status: run.status, stderr: run.stderr) }
        return (run, Date().timeIntervalSince(started), try Report.decode(run.stdout))
    }

    /// A cell that may be skipped: only an IPv6 cell where this host has no IPv6 loopback.
    static func skippable(_ cell: CellResult, _ report: Report) -> Bool {
        cell.outcome == .skipped && cell.family == .ipv6 && !report.environment.ipv6Loopback
    }

    @Test func oneReportForEveryLineEachWithItsOwnABI() throws {
        let (run, seconds, report) = try Self.run.get()
        print("tlsprobe matrix --runtime all took \(Int(seconds)) s (fetching and building included)")
        #expect(report.runtimes.map(\.name) == ["bullseye", "bookworm", "trixie", "sid", "experimental"], "\(run.stderr)")
        let measured = report.runtimes.compactMap { runtime in runtime.openSSL.map { "\($0.runtimeMajor).\($0.runtimeMinor)" } }
        #expect(measured == ["1.1", "3.0", "3.5", "3.6", "4.0"], "\(report.runtimes.map { $0.error ?? $0.name })")
        func abi(_ ssl: OpenSSLRuntime) -> String { ssl.runtimeMajor == 1 ? "libssl.so.1.1" : "libssl.so.\(ssl.runtimeMajor)" }
        let own = abi(try CLI.systemOpenSSL.get())
        for runtime in report.runtimes {
            let ssl = try #require(runtime.openSSL, "\(runtime.name): \(runtime.error ?? "")")
            // The ABI is the loaded file's own soname: 1.1.x loads libssl.so.1.1, 3.x libssl.so.3, 4.x libssl.so.4.
            let expected = abi(ssl)
            #expect(runtime.libssl == expected, "\(runtime.name)")
            #expect(ssl.libsslPath?.hasPrefix(Runtimes.cacheFolder(Self.cache) + "/runtimes/\(runtime.name)/") == true, "\(runtime.name): \(ssl.libsslPath ?? "")")
            if expected != own {
                // A worker of its own, compiled against the line's headers.
                #expect(ssl.headerVersionNumber == ssl.runtimeVersionNumber, "\(runtime.name): headers \(ssl.headerVersionText)")
            }
        }
    }

    @Test func beforeTheChangeEveryModeWorks() throws {
        let report = try Self.run.get().report
        let leaving = report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == false }
        #expect(leaving.compactMap { $0.openSSL?.runtimeMajor }.sorted() == [1, 3], "1.1.1 and 3.0")
        for runtime in leaving {
            let cells = report.cells(of: runtime).filter { !Self.skippable($0, report) }
            #expect(cells.count >= MatrixPlan().cells.count / 2, "\(runtime.name): at least every IPv4 cell ran")
            for cell in cells {
                // The two modes that ask OpenSSL itself for TFO (BIO_SOCK_TFO, BIO_set_conn_address on
                // a socket BIO) cannot with TFO on before 3.2: unsupported, with the reason. Nothing fails.
                let asksOpenSSLForTFO = (cell.mode == .nativeTFO || cell.mode == .socketConnAddress) && cell.tfo == .on
                let allowed: [Outcome] = asksOpenSSLForTFO ? [.ok, .unsupported] : [.ok]
                #expect(allowed.contains(cell.outcome), "\(runtime.name) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
                if cell.outcome == .unsupported { #expect(cell.reason?.isEmpty == false, "\(runtime.name) \(cell.name)") }
            }
        }
    }

    @Test func fromThreeFiveOnTheBugClassShowsOnEveryLine() throws {
        let report = try Self.run.get().report
        let owning = report.runtimes.filter { $0.openSSL?.socketBIOOwnsData == true }
        #expect(owning.compactMap { $0.openSSL.map { "\($0.runtimeMajor).\($0.runtimeMinor)" } } == ["3.5", "3.6", "4.0"])
        for runtime in owning {
            let cells = report.cells(of: runtime).filter { !Self.skippable($0, report) }
            for mode in [BIOMode.legacyFastOpen, .nulledFastOpen, .appDataPointer] {
                #expect(cells.contains { $0.mode == mode && $0.tfo == .off }, "\(runtime.name) \(mode.rawValue): no TFO-off cell ran")
            }
            for cell in cells where cell.tfo == .off && cell.phase == .handshake && cell.mode == .legacyFastOpen {
                #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name)")
                #expect(cell.firstWrite?.addressLength == 0, "\(runtime.name) \(cell.name)")
                #expect(cell.firstWrite?.errno == .invalidArgument, "\(runtime.name) \(cell.name)")
            }
            for cell in cells where cell.tfo == .off && cell.mode == .nulledFastOpen {
                #expect(cell.outcome == .failed && (cell.memory?.leakedAllocations ?? 0) >= 1, "\(runtime.name) \(cell.name)")
                if cell.phase == .handshake { #expect(cell.tlsVersion != nil, "\(runtime.name) \(cell.name): the handshake completed") }
            }
            for cell in cells where cell.mode == .appDataPointer {
                #expect(cell.outcome == .failed, "\(runtime.name) \(cell.name)")
                #expect(cell.applicationRecord?.patternIntact == false, "\(runtime.name) \(cell.name): OpenSSL wrote into the record")
                #expect((cell.memory?.foreignFrees ?? 0) >= 1, "\(runtime.name) \(cell.name): OpenSSL freed the record")
            }
        }
    }

    @Test func theFixesAreOkOnEveryLineAndFamily() throws {
        let report = try Self.run.get().report
        for runtime in report.runtimes {
            let modes: [BIOMode] = [.proxyCore, .filterFastOpen, .exDataFastOpen]
            let fixes = report.cells(of: runtime).filter { modes.contains($0.mode) }
            #expect(fixes.count == modes.count * 8, "\(runtime.name): both TFO settings, families and phases of each fix")
            #expect(Set(fixes.map(\.family)) == Set(AddressFamily.allCases), "\(runtime.name)")
            for cell in fixes where !Self.skippable(cell, report) {
                #expect(cell.outcome == .ok, "\(runtime.name) \(cell.name): \(cell.outcome.rawValue) \(cell.reason ?? "")")
            }
        }
    }

    /// The workers were built against 1.1.1's and 4.0's headers without one warning from
    /// tlsprobe's own sources: the API differences live in the C shim, version-checked, and
    /// the deprecated getters in one place there. A build log is that of the last build in the
    /// checkout's scratch folder (on a fresh clone, as in CI, a whole build).
    @Test func theForeignABIWorkersBuildWithoutWarnings() throws {
        _ = try Self.run.get()
        for abi in ["libssl.so.1.1", "libssl.so.4"] {
            let log = try String(contentsOfFile: Runtimes.cacheFolder(Self.cache) + "/workers/\(abi).log", encoding: .utf8)
            let warnings = log.split(separator: "\n").filter { $0.contains("/Sources/") && $0.contains("warning:") }
            #expect(warnings.isEmpty, "\(abi): \(warnings.joined(separator: "\n"))")
        }
    }

    /// The second time, nothing is fetched and nothing is built: the cache of this build holds it all.
    @Test func theCacheIsReusedAfterwards() throws {
        _ = try Self.run.get()
        let arguments = ["matrix", "--runtime", "1.1.1", "--runtime", "4.0", "--mode", "proxy-core", "--format", "json"]
        let again = try CLI.run(arguments, environment: ["XDG_CACHE_HOME": Self.cache])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("fetching"), "\(again.stderr)")
        #expect(!again.stderr.contains("building a worker"), "\(again.stderr)")
        let report = try Report.decode(again.stdout)
        #expect(report.runtimes.map(\.name) == ["bullseye", "experimental"])
        #expect(report.runtimes.map(\.libssl) == ["libssl.so.1.1", "libssl.so.4"])
    }

    /// A folder of 4.0's libraries alone (a user's own build, say) cannot be run by a worker
    /// built for another ABI, and none can be built without its headers: the runtime is
    /// unusable with that reason, and the others still run.
    @Test func aForeignABIFolderWithoutHeadersIsRefusedWithTheReason() throws {
        _ = try Self.run.get()
        let folder = try Repository.scratch("libs-only")
        defer { try? FileManager.default.removeItem(at: folder) }
        for library in ["libssl.so.4", "libcrypto.so.4"] {
            // The files themselves: the runtime folder holds relative links to them.
            let file = URL(fileURLWithPath: Runtimes.cacheFolder(Self.cache) + "/runtimes/experimental/\(library)").resolvingSymlinksInPath()
            try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(library))
        }
        // A cache of its own: a 4.0 worker another suite left in the default cache would take the
        // folder's libraries (and fail on their glibc), and this is about a worker that cannot be built.
        let cache = try Repository.scratch("libs-only-cache")
        defer { try? FileManager.default.removeItem(at: cache) }
        let arguments = ["matrix", "--runtime", "system", "--runtime", folder.path, "--mode", "fd", "--format", "json"]
        let run = try CLI.run(arguments, environment: ["XDG_CACHE_HOME": cache.path])
        #expect(run.status == 2, "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        let error = try #require(report.runtimes.last?.error)
        #expect(error.contains("holds libssl.so.4, which this tlsprobe (built for libssl.so."), "\(error)")
        #expect(error.contains("include/ and pkgconfig/"), "\(error)")
        #expect(report.cells.contains { $0.runtime == "system" && $0.outcome == .ok }, "the system runtime still ran")
    }

    /// A plug-in built against 3.x headers needs libcrypto.so.3: on 1.1.1 and 4.0 it is never
    /// loaded beside the runtime's own OpenSSL; its cells say why, read from its dynamic section,
    /// naming each runtime's own OpenSSL. Loaded on neither, it was not tested: exit 2, not 0.
    @Test func aPluginOfAnotherABIIsRefusedWithTheReason() throws {
        _ = try Self.run.get()
        let plugin = try #require(try PluginFixtures.built.get().examples["socket-copy"])
        let arguments = ["matrix", "--runtime", "1.1.1", "--runtime", "4.0", "--mode", "proxy-core", "--tfo", "off",
                         "--family", "ipv4", "--phase", "handshake", "--bio-plugin", plugin, "--format", "json"]
        let run = try CLI.run(arguments, environment: ["XDG_CACHE_HOME": Self.cache])
        #expect(run.status == 2 && run.stderr.contains("plugin:socket-copy (\(plugin)) could run on no runtime probed"), "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        for runtime in report.runtimes {
            let cell = try #require(report.cells(of: runtime).first { $0.mode == .plugin("socket-copy") })
            #expect(cell.reason?.contains("(\(runtime.openSSL?.runtimeVersion ?? "?"), from ") == true, "\(runtime.name): \(cell.reason ?? "")")
            #expect(cell.outcome == .unsupported, "\(runtime.name)")
            #expect(cell.reason?.contains("needs libcrypto.so.3 (its DT_NEEDED); this runtime's OpenSSL is \(runtime.libssl ?? "?")") == true,
                    "\(runtime.name): \(cell.reason ?? "")")
            #expect(report.cells(of: runtime).first { $0.mode == .proxyCore }?.outcome == .ok, "the other cells still run")
        }
    }
}
