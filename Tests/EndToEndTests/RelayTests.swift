import Foundation
import Testing
import TestSupport

/// The symptom users reported (apache/trafficserver issue 11465), end to end: curl → the
/// example relay (`examples/relay`) → a loopback TLS origin (`openssl s_server -www`, with a
/// certificate made here). ProxyCore answers 200 on OpenSSL 3.0 and 3.5, TFO off and on; the
/// legacy fast-open BIO (the example plug-in) answers 200 on 3.0 and 502 on 3.5, whose body
/// and log line name the first write: `sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL`.
@Suite(.serialized) struct RelayTests {
    @Test(arguments: RelayCase.all) func overIPv4(_ relayCase: RelayCase) throws {
        try relayCase.check(family: .ipv4)
    }

    @Test(.enabled(if: RelayFixture.loopbackIPv6, "this host has no ::1"), arguments: RelayCase.all)
    func overIPv6(_ relayCase: RelayCase) throws {
        try relayCase.check(family: .ipv6)
    }
}

/// One configuration of the relay and what curl must get through it.
struct RelayCase: Sendable, CustomTestStringConvertible {
    enum Runtime: String, Sendable { case openSSL30 = "3.0", openSSL35 = "3.5" }
    enum Family: Sendable { case ipv4, ipv6 }

    let runtime: Runtime
    /// `nil`: ProxyCore; else the example plug-in of that name.
    let plugin: String?
    let tfo: Bool
    let status: Int

    static let all: [RelayCase] = [
        RelayCase(runtime: .openSSL30, plugin: nil, tfo: false, status: 200),
        RelayCase(runtime: .openSSL30, plugin: nil, tfo: true, status: 200),
        RelayCase(runtime: .openSSL35, plugin: nil, tfo: false, status: 200),
        RelayCase(runtime: .openSSL35, plugin: nil, tfo: true, status: 200),
        RelayCase(runtime: .openSSL30, plugin: "legacy-fastopen", tfo: false, status: 200),
        RelayCase(runtime: .openSSL30, plugin: "legacy-fastopen", tfo: true, status: 200),
        RelayCase(runtime: .openSSL35, plugin: "legacy-fastopen", tfo: false, status: 502),
    ]

    var testDescription: String {
        "\(plugin ?? "ProxyCore") on OpenSSL \(runtime.rawValue), TFO \(tfo ? "on" : "off"): \(status)"
    }

    func check(family: Family) throws {
        let relay = try RelayFixture.relay.get()
        let folder = try Repository.scratch("relay")
        defer { try? FileManager.default.removeItem(at: folder) }
        let origin = try RelayFixture.Origin(family: family, in: folder)
        var arguments = ["--listen", family == .ipv6 ? "[::1]:0" : "127.0.0.1:0", "--origin", "https://\(origin.endpoint)",
                         "--ca", origin.certificate, "--tfo", tfo ? "on" : "off", "--log", folder.appendingPathComponent("relay.log").path]
        if let plugin { arguments += ["--bio-plugin", try #require(PluginFixtures.built.get().examples[plugin])] }
        var command = [relay] + arguments
        if runtime == .openSSL35 {
            // Started through the runtime folder's loader: its libc and its libssl.so.3 are the ones loaded.
            let trixie = try Runtimes.fetch("trixie")
            command = ["\(trixie)/ld-linux-x86-64.so.2", "--library-path", trixie] + command
        }
        // SIGKILL: a child of posix_spawn inherits this test process's blocked signals, SIGTERM among them.
        let process = try BackgroundProcess(command[0], Array(command.dropFirst()), environment: [:])
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        let log = folder.appendingPathComponent("relay.log")
        func logText() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        try #require(Polling.waitUntil(20) { logText().contains("listening on") }, "the relay did not start: \(logText())")
        let listening = try #require(logText().firstMatch(of: /listening on (\S+);/)?.1)
        // The library the relay really loaded, as it measured it.
        #expect(logText().contains("OpenSSL \(runtime.rawValue)."), "\(logText())")

        let body = folder.appendingPathComponent("body")
        let curl = try ProcessRunner.run("/usr/bin/curl", ["--globoff", "-sS", "-o", body.path, "-w", "%{http_code}",
                                                           "--max-time", "20", "http://\(listening)/"])
        let received = (try? String(contentsOf: body, encoding: .utf8)) ?? ""
        #expect(curl.output == "\(status)", "curl: \(curl.stderr)\nbody: \(received)\nlog: \(logText())")
        let line = logText().split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.contains("GET / HTTP/1.1 -> \(status)"), "\(line)")
        if status == 200 {
            #expect(received.contains("s_server"), "the origin's page: \(received)")
            // ProxyCore says how it connected; the plug-in's first write was seen at the libc boundary.
            #expect(line.contains(plugin == nil ? "strategy " : "plug-in \(plugin!); first write "), "\(line)")
            #expect(!line.contains("EINVAL"), "\(line)")
        } else {
            // The 3.2 regression as users met it: the legacy BIO took OpenSSL's zeroed struct for a destination.
            let expected = family == .ipv6 ? 28 : 16
            let firstWrite = "first write sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL (a correct call passes \(expected))"
            #expect(received.contains(firstWrite), "502 body: \(received)")
            #expect(line.contains(firstWrite) && line.contains("SSL_connect: SSL_ERROR_SYSCALL, errno EINVAL"), "\(line)")
        }
    }
}

/// The relay, built once per test run, and the TLS origins it relays to.
enum RelayFixture {
    /// `examples/relay` built into `.build-relay/` (or `TLSPROBE_RELAY_BIN`, already built).
    static let relay: Result<String, any Error> = Result {
        if let built = ProcessInfo.processInfo.environment["TLSPROBE_RELAY_BIN"] { return built }
        let arguments = ["swift", "build", "--package-path", Repository.path("examples/relay"),
                         "--scratch-path", Repository.path(".build-relay")]
        let run = try ProcessRunner.run("/usr/bin/env", arguments)
        guard run.status == 0 else { throw Failed("\(arguments.joined(separator: " ")) failed: \(run.output)\(run.stderr)") }
        return Repository.path(".build-relay/debug/relay")
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Whether `::1` can be bound here.
    static let loopbackIPv6: Bool = {
        let descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        } == 0
    }()

    /// `openssl s_server -www` on a free loopback port, presenting a self-signed certificate for
    /// 127.0.0.1 and ::1 (the relay's `--ca`); killed when released.
    final class Origin {
        let certificate: String
        /// `127.0.0.1:PORT` or `[::1]:PORT`, as s_server reported it.
        let endpoint: String
        private let process: BackgroundProcess

        init(family: RelayCase.Family, in folder: URL) throws {
            certificate = folder.appendingPathComponent("origin.pem").path
            let key = folder.appendingPathComponent("origin.key").path
            let made = try ProcessRunner.run("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", certificate, "-subj", "/CN=relay-test-origin", "-days", "1",
                "-addext", "subjectAltName=IP:127.0.0.1,IP:::1",
            ])
            guard made.status == 0 else { throw Failed("openssl req failed: \(made.stderr)") }
            let output = folder.appendingPathComponent("s_server.out").path
            let accept = family == .ipv6 ? "[::1]:0" : "127.0.0.1:0"
            // The shell only redirects s_server's output to a file, where its ACCEPT line says the port.
            process = try BackgroundProcess("/bin/sh", ["-c", "exec /usr/bin/openssl s_server -accept '\(accept)' -cert '\(certificate)' "
                                                        + "-key '\(key)' -www >'\(output)' 2>&1"], environment: [:])
            var reported: String?
            _ = Polling.waitUntil(10) {
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                reported = text.firstMatch(of: /ACCEPT (\S+)/).map { String($0.1) }
                return reported != nil
            }
            guard let reported else {
                throw Failed("openssl s_server reported no port: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
            }
            endpoint = reported
        }

        deinit {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
