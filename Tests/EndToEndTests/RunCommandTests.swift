import Foundation
import RunModel
import Testing
import TestSupport

/// `tlsprobe run` on real programs from Debian's packages and the example relay, each on
/// real OpenSSL runtimes: the verdicts come from what the observer saw at the libc boundary,
/// so each test checks the evidence (the libssl the program loaded, its first TLS write, the
/// request's status) as well as the verdict.
@Suite(.serialized) struct RunCommandTests {
    /// `tlsprobe run ARGUMENTS --format json`, and its report.
    static func run(_ arguments: [String]) throws -> (ProcessRunner.Run, RunReport?) {
        let run = try CLI.run(["run", "--format", "json"] + arguments)
        return (run, try? JSONDecoder().decode(RunReport.self, from: run.stdout))
    }

    /// The runtime folder's libssl, as the program should have loaded it.
    static func libssl(_ folder: String) -> String {
        URL(fileURLWithPath: folder + "/libssl.so.3").resolvingSymlinksInPath().path
    }

    @Test(arguments: [("bookworm", "OpenSSL 3.0."), ("trixie", "OpenSSL 3.5."), ("sid", "OpenSSL 3.6.")])
    func curlAgainstTheOrigin(_ suite: String, _ version: String) throws {
        let folder = try Runtimes.fetch(suite)
        let (run, report) = try Self.run(["--runtime", suite, "--origin", "--timeout", "60", "--",
                                          "/usr/bin/curl", "-sS", "--cacert", "{ca}", "https://{origin}/"])
        let result = try #require(report?.results.first, "\(run.stderr)\n\(run.output)")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(result.outcome == .ok, "\(result.verdict)")
        #expect(result.verdict.hasPrefix("ok on \(version)"), "\(result.verdict)")
        // The evidence: curl (through libcurl) loaded the runtime's libssl, and its first TLS write went to the origin.
        let curl = try #require(result.processes.first { !$0.libssl.isEmpty })
        #expect(curl.libssl == [Self.libssl(folder)])
        #expect(curl.openSSLVersion?.hasPrefix(version) == true, "\(curl)")
        let write = try #require(result.writes.first)
        #expect(write.result > 0 && write.errno == nil && !write.fastOpen)
        #expect(write.peer == report?.origin?.ipv4)
        #expect(report?.program.abi == "libssl.so.3" && report?.program.abiFrom?.contains("libcurl") == true)
        #expect(result.exit?.stdoutTail.last?.contains("tlsprobe origin: ok") == true, "\(String(describing: result.exit))")
    }

    @Test func hostOpenSSLClient() throws {
        let (run, report) = try Self.run(["--runtime", "system", "--origin", "--timeout", "30", "--",
                                          "openssl", "s_client", "-connect", "{origin}", "-CAfile", "{ca}", "-verify_return_error"])
        let result = try #require(report?.results.first, "\(run.stderr)\n\(run.output)")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(result.outcome == .ok, "\(result.verdict)")
        #expect(result.writes.count == 1 && result.writes[0].call == "write", "\(result.writes)")
        #expect(result.processes.contains { $0.libssl.contains { $0.hasSuffix("libssl.so.3") } })
    }

    /// The example relay, as a proxy would run, with the legacy example plug-in and with ProxyCore.
    @Test(arguments: [("legacy-fastopen", "off"), ("legacy-fastopen", "on"), (nil, "off"), (nil, "on")] as [(String?, String)])
    func relay(_ plugin: String?, _ tfo: String) throws {
        let relay = try RelayFixture.relay.get()
        _ = try Runtimes.fetch("bookworm")
        _ = try Runtimes.fetch("trixie")
        let port = try Self.freePort()
        var program = [relay, "--listen", "127.0.0.1:\(port)", "--origin", "https://{origin}", "--ca", "{ca}", "--tfo", tfo]
        if let plugin { program += ["--bio-plugin", try #require(PluginFixtures.built.get().examples[plugin])] }
        let (run, report) = try Self.run(["--runtime", "bookworm", "--runtime", "trixie", "--origin", "--timeout", "60",
                                          "--request", "http://127.0.0.1:\(port)/", "--"] + program)
        let results = try #require(report?.results, "\(run.stderr)\n\(run.output)")
        let bookworm = try #require(results.first { $0.runtime == "bookworm" })
        let trixie = try #require(results.first { $0.runtime == "trixie" })
        #expect(bookworm.outcome == .ok, "\(bookworm.verdict)")
        #expect(bookworm.request?.status == 200)
        if plugin != nil, tfo == "off" {
            // The regression at the libc boundary: OpenSSL 3.5's zeroed struct read as the destination.
            #expect(trixie.outcome == .affected, "\(trixie.verdict)")
            #expect(trixie.verdict.hasPrefix("AFFECTED on OpenSSL 3.5"), "\(trixie.verdict)")
            #expect(trixie.verdict.contains("sendto(MSG_FASTOPEN) address length 0 → EINVAL") && trixie.verdict.contains("request → 502"),
                    "\(trixie.verdict)")
            let write = try #require(trixie.writes.first)
            #expect(write.fastOpen && write.addressLength == 0 && write.expectedAddressLength == 16 && write.errnoName == "EINVAL")
            #expect(run.status == 1)
        } else {
            #expect(trixie.outcome == .ok, "\(trixie.verdict)")
            #expect(trixie.request?.status == 200)
            #expect(run.status == 0, "\(run.stderr)")
            if tfo == "on", let write = trixie.writes.first, write.fastOpen {
                #expect(write.addressLength == write.expectedAddressLength)
            }
        }
        #expect(trixie.processes.first { !$0.libssl.isEmpty }?.openSSLVersion?.hasPrefix("OpenSSL 3.5.") == true)
    }

    /// `--kernel-tfo`: the whole run again in private namespaces; the host's setting is untouched.
    @Test func kernelTFONamespaces() throws {
        let host = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_fastopen", encoding: .utf8)
        let (run, report) = try Self.run(["--runtime", "trixie", "--kernel-tfo", "0,0x205", "--origin", "--",
                                          "/usr/bin/curl", "-sS", "--tcp-fastopen", "--cacert", "{ca}", "https://{origin}/"])
        let results = try #require(report?.results, "\(run.stderr)")
        #expect(results.map(\.kernelTFO) == [Int(host.trimmingCharacters(in: .whitespacesAndNewlines)), 0, 0x205])
        #expect(results.map(\.privateNamespace) == [false, true, true])
        for result in results.dropFirst() {
            // Without the privilege a namespace needs, the run says so; it is never ok unseen.
            if result.outcome == .skipped {
                #expect(result.verdict.contains("namespace"), "\(result.verdict)")
            } else {
                #expect(result.outcome == .ok && result.writes.count == 1, "\(result.verdict)")
            }
        }
        #expect(try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_fastopen", encoding: .utf8) == host)
    }

    /// Usage errors exit 2 with one line, before anything runs.
    @Test(arguments: [
        (["--format", "sarif", "--", "/bin/true"], "sarif is a format of tlsprobe audit only"),
        (["--", "/usr/bin/curl", "https://{origin}/"], "{origin} in the program's arguments needs --origin"),
        (["--request", "https://127.0.0.1:8080/", "--", "/bin/true"], "tlsprobe sends plain HTTP/1.1"),
        (["--request", "http://192.0.2.1/", "--", "/bin/true"], "only to loopback"),
        (["--origin-port", "8443", "--", "/bin/true"], "--origin-port needs --origin"),
        ([] as [String], "name the program to run"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let run = try CLI.run(["run", "--runtime", "system"] + arguments)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(message) && run.output.isEmpty, "\(run.stderr)")
    }

    @Test func notELF() throws {
        let folder = try Repository.scratch("run-script")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("script.sh")
        try "#!/bin/sh\necho hi\n".write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        let run = try CLI.run(["run", "--runtime", "system", "--", script.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("not an ELF executable"), "\(run.stderr)")
        let missing = try CLI.run(["run", "--runtime", "system", "--", "/nonexistent/program"])
        #expect(missing.status == 2 && missing.stderr.contains("no such file"), "\(missing.stderr)")
    }

    @Test func staticProgram() throws {
        let folder = try Repository.scratch("run-static")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("main.c")
        try "int main(void) { return 0; }\n".write(to: source, atomically: true, encoding: .utf8)
        let binary = folder.appendingPathComponent("static-program").path
        let build = try ProcessRunner.run("/usr/bin/cc", ["-static", "-o", binary, source.path])
        try #require(build.status == 0, "\(build.stderr)")
        let (run, report) = try Self.run(["--runtime", "system", "--runtime", "trixie", "--", binary])
        #expect(run.status == 1, "\(run.stderr)")
        let results = try #require(report?.results)
        #expect(results.count == 2 && results.allSatisfy { $0.outcome == .unobservable && $0.verdict.contains("statically linked") },
                "\(results.map(\.verdict))")
    }

    /// A setuid program would run without its owner's identity under a loader, and the loader
    /// ignores a preload for it when the kernel starts it: refused, never run unwatched.
    @Test(.enabled(if: getuid() == 0, "chown to another user needs root")) func setuidProgram() throws {
        let folder = try Repository.scratch("run-setuid")
        defer { try? FileManager.default.removeItem(at: folder) }
        let program = folder.appendingPathComponent("setuid-true").path
        try ExecutableCopy.make(from: "/bin/true", to: program)
        try #require(chown(program, 65534, 65534) == 0 && chmod(program, 0o4755) == 0)
        let (run, report) = try Self.run(["--runtime", "system", "--", program])
        let result = try #require(report?.results.first, "\(run.stderr)")
        #expect(result.outcome == .unobservable && result.verdict.contains("setuid (owner uid 65534)"), "\(result.verdict)")
        #expect(result.processes.isEmpty && result.command.isEmpty, "nothing was started")
        #expect(run.status == 1)
    }

    /// A crash is named by its signal and by glibc's last words on stderr.
    @Test func crashWithGlibcsMessage() throws {
        let folder = try Repository.scratch("run-crash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("main.c")
        try "#include <stdlib.h>\nint main(void) { char *p = malloc(64); free(p + 16); return 0; }\n"
            .write(to: source, atomically: true, encoding: .utf8)
        let binary = folder.appendingPathComponent("bad-free").path
        let build = try ProcessRunner.run("/usr/bin/cc", ["-O0", "-o", binary, source.path])
        try #require(build.status == 0, "\(build.stderr)")
        let (run, report) = try Self.run(["--runtime", "system", "--runtime", "trixie", "--", binary])
        let results = try #require(report?.results, "\(run.stderr)")
        #expect(results.count == 2)
        for result in results {
            #expect(result.outcome == .crashed, "\(result.verdict)")
            #expect(result.verdict.hasPrefix("crashed (SIGABRT, free(): invalid pointer)"), "\(result.verdict)")
            #expect(result.exit?.signal == "SIGABRT" && result.exit?.glibcMessage == "free(): invalid pointer")
        }
        #expect(run.status == 1)
    }

    @Test func exitsAtOnce() throws {
        let (run, report) = try Self.run(["--runtime", "system", "--", "/bin/false"])
        let result = try #require(report?.results.first, "\(run.stderr)")
        #expect(result.outcome == .failed && result.exit?.status == 1, "\(result.verdict)")
        #expect(run.status == 1)
        // It loaded the observer (no TLS): the run says so rather than calling it ok.
        let (quiet, trueReport) = try Self.run(["--runtime", "system", "--", "/bin/true"])
        let nothing = try #require(trueReport?.results.first, "\(quiet.stderr)")
        #expect(nothing.outcome == .unobservable && nothing.verdict.contains("no TLS connection was seen"), "\(nothing.verdict)")
        #expect(!nothing.processes.isEmpty, "the observer loaded in /bin/true")
    }

    @Test func hangsUntilTheDeadline() throws {
        let marker = "4242.\(getpid())"
        let started = Date()
        let (run, report) = try Self.run(["--runtime", "system", "--timeout", "2", "--", "/bin/sh", "-c", "sleep \(marker) & sleep \(marker)"])
        let result = try #require(report?.results.first, "\(run.stderr)")
        #expect(result.outcome == .timeout, "\(result.verdict)")
        #expect(result.exit?.stoppedBy == .deadline)
        #expect(Date().timeIntervalSince(started) < 30)
        // Neither the program nor what it started outlives the run.
        let left = try ProcessRunner.run("/usr/bin/pgrep", ["-f", "sleep \(marker)"])
        #expect(left.status == 1, "still running: \(left.output)")
    }

    /// A port nothing listens on now.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 ? getsockname(fd, pointer, &length) : -1
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
