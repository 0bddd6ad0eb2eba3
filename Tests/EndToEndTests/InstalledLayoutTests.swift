import Foundation
import MatrixModel
import TestSupport
import Testing

/// tlsprobe as a package installs it: `PREFIX/bin/tlsprobe` with no checkout above it,
/// and the workers for the other OpenSSL ABIs under `PREFIX/lib/tlsprobe/workers/`.
/// Such a binary uses the shipped worker and never builds one.
@Suite(.serialized) struct InstalledLayoutTests {
    static let probe = ["--mode", "fd", "--tfo", "off", "--family", "ipv4", "--phase", "handshake", "--format", "json"]

    @Test func anInstalledBinaryRunsTheShippedWorkerAndBuildsNothing() throws {
        // The 4.0 worker this checkout builds (or built) for this very build, in the suite's shared cache.
        let checkoutCache = OpenSSLLinesTests.cache
        let built = try CLI.run(["matrix", "--runtime", "4.0"] + Self.probe, environment: ["XDG_CACHE_HOME": checkoutCache])
        try #require(built.status == 0, "\(built.stderr)")
        let key = try FileManager.default.contentsOfDirectory(atPath: checkoutCache + "/tlsprobe")
            .first { FileManager.default.fileExists(atPath: "\(checkoutCache)/tlsprobe/\($0)/workers/libssl.so.4/tlsprobe") }
        let worker = "\(checkoutCache)/tlsprobe/\(try #require(key))/workers/libssl.so.4/tlsprobe"

        let prefix = try Repository.scratch("installed")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let binary = prefix.path + "/usr/bin/tlsprobe"
        try FileManager.default.createDirectory(atPath: prefix.path + "/usr/bin", withIntermediateDirectories: true)
        try ExecutableCopy.make(from: Repository.binary, to: binary)
        let cache = prefix.path + "/cache"
        let environment = ["XDG_CACHE_HOME": cache]

        // Without the shipped worker: a clear refusal, and no build (no checkout above the binary).
        let missing = try ProcessRunner.run(binary, ["matrix", "--runtime", "4.0"] + Self.probe, environment: environment)
        #expect(missing.status == 2)
        let shipped = prefix.path + "/usr/lib/tlsprobe/workers/libssl.so.4/tlsprobe"
        #expect(missing.stderr.contains("no worker for libssl.so.4 is installed (looked for \(shipped))"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("building"), "\(missing.stderr)")

        try FileManager.default.createDirectory(atPath: (shipped as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: worker, toPath: shipped)
        let run = try ProcessRunner.run(binary, ["matrix", "--runtime", "4.0"] + Self.probe, environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("building"), "\(run.stderr)")
        let report = try Report.decode(run.stdout)
        #expect(report.runtimes.map(\.libssl) == ["libssl.so.4"])
        #expect(report.runtimes.first?.openSSL?.runtimeMajor == 4)
        #expect(report.cells.map(\.outcome) == [.ok])
        // Nothing was built into the cache: it holds the runtime only.
        let builds = try FileManager.default.contentsOfDirectory(atPath: cache + "/tlsprobe")
        #expect(!FileManager.default.fileExists(atPath: "\(cache)/tlsprobe/\(builds[0])/workers/libssl.so.4"), "\(builds)")
    }
}
