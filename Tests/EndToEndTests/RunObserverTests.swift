import Foundation
import Matrix
import ProgramRun
import ProxyCore
import RunModel
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `libtlsprobe-observer.so` preloaded into real programs (`openssl s_client`, curl, dd,
/// base64 and a C fixture that makes each kind of write on purpose), its records read from a
/// pipe through `ObserverLog`: what `tlsprobe run` rests on, before the command exists.
@Suite(.serialized) struct RunObserverTests {
    /// s_client's ClientHello on a loopback TLS server: one `write` record with the server as
    /// peer, and a hello naming the libssl this host loads and its version.
    @Test func sClientsClientHelloIsRecordedWithItsPeer() throws {
        try checkSClient(family: .ipv4)
    }

    @Test(.enabled(if: RelayFixture.loopbackIPv6, "this host has no ::1"))
    func sClientOverIPv6() throws {
        try checkSClient(family: .ipv6)
    }

    private func checkSClient(family: SocketAddress.Family) throws {
        let library = try ObserverFixture.library.get()
        let fixture = try LoopbackFixture(family: family)
        defer { fixture.server.stop() }
        let peer = fixture.server.address.description
        let run = try ObservedRun(["/usr/bin/openssl", "s_client", "-connect", peer], preload: library)
        let log = run.log
        #expect(log.notes == [], "\(log.notes)")
        let process = try #require(log.processes.first, "no hello: \(run)")
        #expect(log.processes.count == 1)
        #expect(process.executable == "/usr/bin/openssl")
        let hostLibssl = try ObserverFixture.hostLibssl()
        #expect(process.libssl.map(ObserverFixture.resolved) == [hostLibssl], "\(process.libssl)")
        let version = try ProcessRunner.run("/usr/bin/openssl", ["version"]).output
        let reported = try #require(process.openSSLVersion)
        #expect(reported.hasPrefix("OpenSSL 3.") && version.contains("Library: \(reported)") || version.hasPrefix(reported),
                "hello says \(reported), openssl version says \(version)")
        let write = try #require(log.writes.first, "no write record: \(run)")
        #expect(log.writes.count == 1, "\(log.writes)")
        #expect(write.pid == process.pid && write.peer == peer && write.socketFamily == (family == .ipv6 ? "ipv6" : "ipv4"))
        #expect(["write", "send", "sendto", "sendmsg", "writev"].contains(write.call))
        #expect(write.result > 0 && write.result == write.bytes && write.errno == nil && write.addressLength == nil)
        #expect(!write.fastOpen && !write.wrongAddressLength && write.plainWritesBefore == 0)
    }

    /// curl fetching plain HTTP: a TCP socket, but no TLS record on it, so no write record;
    /// its hello still names the libssl libcurl loaded.
    @Test func curlOverPlainHTTPMakesNoWriteRecord() throws {
        let library = try ObserverFixture.library.get()
        let listener = try PlainHTTPListener()
        let command = ["/usr/bin/curl", "-sS", "--max-time", "10", "http://127.0.0.1:\(listener.port)/"]
        let run = try withExtendedLifetime(listener) { try ObservedRun(command, preload: library) }
        #expect(run.status == 0 && String(decoding: run.stdout, as: UTF8.self) == "plain", "\(run)")
        #expect(run.log.writes == [] && run.log.notes == [], "\(run)")
        let process = try #require(run.log.processes.first)
        #expect(process.executable == "/usr/bin/curl" && process.libssl.contains { $0.contains("libssl.so") }, "\(process)")
        // What curl printed is what it prints without the observer.
        let bare = try withExtendedLifetime(listener) { try ProcessRunner.run(command[0], Array(command.dropFirst())) }
        #expect(bare.stdout == run.stdout)
    }

    /// Files and pipes are never sockets: no record, and the bytes a program writes are
    /// byte-identical with and without the observer.
    @Test func filesAndPipesAreLeftAlone() throws {
        let library = try ObserverFixture.library.get()
        let folder = try Repository.scratch("observer-files")
        defer { try? FileManager.default.removeItem(at: folder) }
        let observed = try ObservedRun(["/usr/bin/base64", "/usr/bin/openssl"], preload: library)
        let bare = try ProcessRunner.run("/usr/bin/base64", ["/usr/bin/openssl"])
        #expect(observed.status == 0 && observed.stdout == bare.stdout && observed.stdout.count > 100_000)
        #expect(observed.log.writes == [] && observed.log.processes.count == 1 && observed.log.notes == [], "\(observed)")

        let copy = folder.appendingPathComponent("copy").path
        let dd = try ObservedRun(["/bin/dd", "if=/usr/bin/openssl", "of=\(copy)", "bs=512"], preload: library)
        #expect(dd.status == 0 && dd.log.writes == [], "\(dd)")
        #expect(FileManager.default.contentsEqual(atPath: copy, andPath: "/usr/bin/openssl"))
    }

    /// Without TLSPROBE_OBSERVER_FD it writes nothing anywhere; naming stdout or a descriptor
    /// that is not a pipe or socket leaves it inert too (records never reach the program's output).
    @Test func withoutItsDescriptorTheObserverIsInert() throws {
        let library = try ObserverFixture.library.get()
        let fixture = try LoopbackFixture(family: .ipv4)
        defer { fixture.server.stop() }
        let command = ["/usr/bin/openssl", "s_client", "-connect", fixture.server.address.description]
        let unset = try ObservedRun(command, preload: library, descriptorVariable: nil)
        #expect(unset.records.isEmpty, "\(unset)")
        for named in ["1", "2", "0", "99", "9x", ""] {
            let run = try ObservedRun(["/usr/bin/base64", "/usr/bin/openssl"], preload: library, descriptorVariable: named)
            #expect(run.records.isEmpty && !String(decoding: run.stdout, as: UTF8.self).contains("hello\t"), "TLSPROBE_OBSERVER_FD=\(named)")
        }
    }

    /// python3 loads libssl with dlopen (RTLD_LOCAL) at `import ssl`, after the observer's hello
    /// at load: the first TLS write says hello again, now naming that libssl and its version.
    @Test func aLibsslLoadedLaterIsNamedAtTheFirstTLSWrite() throws {
        let library = try ObserverFixture.library.get()
        let fixture = try LoopbackFixture(family: .ipv4)
        defer { fixture.server.stop() }
        let program = """
            import socket, ssl, sys
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])))).close()
            print("handshake done")
            """
        let run = try ObservedRun(["/usr/bin/python3", "-c", program, "\(fixture.server.address.port)"], preload: library)
        #expect(run.status == 0 && String(decoding: run.stdout, as: UTF8.self) == "handshake done\n", "\(run)")
        let hellos = String(decoding: run.records, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("hello\t") }
        #expect(hellos.count == 2 && hellos.first?.contains("\tlibssl=\t") == true, "\(run)")
        let process = try #require(run.log.processes.first)
        #expect(run.log.processes.count == 1)
        let hostLibssl = try ObserverFixture.hostLibssl()
        #expect(process.libssl.map(ObserverFixture.resolved) == [hostLibssl] && process.openSSLVersion?.hasPrefix("OpenSSL 3.") == true,
                "\(process)")
        #expect(run.log.writes.count == 1 && run.log.writes.first?.peer == fixture.server.address.description, "\(run)")
    }

    /// tlsprobe stopped reading (its read end closed, as after a deadline): the observer's
    /// writes fail with EPIPE, and the program, which does not ignore SIGPIPE, must still end
    /// as it would without the observer, its own output whole.
    @Test func aReaderThatIsGoneNeverKillsTheProgram() throws {
        let library = try ObserverFixture.library.get()
        let fixture = try LoopbackFixture(family: .ipv4)
        defer { fixture.server.stop() }
        let command = ["/usr/bin/openssl", "s_client", "-connect", fixture.server.address.description]
        // bash: descriptor 9 a pipe whose reader has exited (waited for), then the program.
        let script = "exec 9> >(exit 0); wait $!; exec /usr/bin/env LD_PRELOAD=\"$0\" TLSPROBE_OBSERVER_FD=9 \"$@\""
        let observed = try ProcessRunner.run("/bin/bash", ["-c", script, library] + command)
        let bare = try ProcessRunner.run(command[0], Array(command.dropFirst()))
        #expect(bare.status == 0 && observed.status == bare.status, "observed: \(observed.status) \(observed.stderr.suffix(300))")
        #expect(observed.output.contains("CONNECTED") && observed.output.contains("-----END CERTIFICATE-----"))
    }

    /// The fixture makes each kind of write: the regression's sendto, plain then TLS with
    /// writev, the observer's descriptor closed, a forked child's send, a reused descriptor.
    @Test func eachKindOfWriteIsRecordedAsTheKernelWasAskedForIt() throws {
        let library = try ObserverFixture.library.get()
        let program = try ObserverFixture.socketWrites.get()
        let listener = try PlainHTTPListener(silent: true)
        let run = try withExtendedLifetime(listener) { try ObservedRun([program, "\(listener.port)", "9"], preload: library) }
        let printed = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.status == 0, "\(run)")
        let log = run.log
        let parent = try #require(log.processes.first).pid
        #expect(log.processes.count == 2 && log.processes[1].pid != parent, "\(log.processes)")
        #expect(log.writes.map(\.call) == ["sendto", "writev", "send", "sendmsg"], "\(log.writes)")
        guard log.writes.count == 4 else { return }
        let regression = log.writes[0]
        #expect(regression.summary == "sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL" && regression.wrongAddressLength)
        #expect(regression.addressFamily == 0 && regression.expectedAddressLength == 16 && regression.peer == nil && regression.pid == parent)
        #expect(printed.contains("sendto -1 "))
        let peer = "127.0.0.1:\(listener.port)"
        #expect(log.writes[1].plainWritesBefore == 1 && log.writes[1].bytes == 9 && log.writes[1].peer == peer)
        #expect(log.writes[2].pid == log.processes[1].pid && log.writes[2].peer == peer)
        #expect(log.writes[3].pid == parent && log.writes[3].plainWritesBefore == 0 && printed.contains("on the same descriptor"))
        #expect(log.notes == ["process \(parent): the program closed the observer's descriptor; it was kept open"])
        #expect(printed.contains("close observer 0"))
    }

    /// Through Debian 13's loader and libraries with --preload, as `tlsprobe run --runtime trixie`
    /// starts a program: the hello names the trixie folder's libssl and OpenSSL 3.5.
    @Test func underTheTrixieLoaderTheHelloNamesItsLibssl() throws {
        let library = try ObserverFixture.library.get()
        let trixie = try Runtimes.fetch("trixie")
        let fixture = try LoopbackFixture(family: .ipv4)
        defer { fixture.server.stop() }
        let peer = fixture.server.address.description
        let run = try ObservedRun(["\(trixie)/ld-linux-x86-64.so.2", "--library-path", trixie, "--preload", library,
                                   "/usr/bin/openssl", "s_client", "-connect", peer], preload: nil)
        let process = try #require(run.log.processes.first, "\(run)")
        let folder = ObserverFixture.resolved(trixie)
        #expect(process.executable == "/usr/bin/openssl", "the loader's name for the program, not the loader")
        #expect(process.libssl.count == 1 && process.libssl.allSatisfy { ObserverFixture.resolved($0).hasPrefix(folder + "/") }, "\(process)")
        #expect(process.openSSLVersion?.hasPrefix("OpenSSL 3.5.") == true, "\(process)")
        #expect(run.log.writes.count == 1 && run.log.writes.first?.peer == peer, "\(run)")
    }
}

/// The observer and the C fixture, built once per test process.
enum ObserverFixture {
    /// The observer as `tlsprobe run` finds it for the binary under test (built from this checkout).
    static let library: Result<String, any Error> = Result {
        try ObserverLibrary.locate(executable: Repository.binary,
                                   sourceTree: RuntimeProvisioner.findSourceTree(executable: Repository.binary) ?? Repository.root.path)
    }

    static let socketWrites: Result<String, any Error> = Result {
        let folder = try ProcessScratch.make("observer-fixture").path
        let output = "\(folder)/socket-writes"
        let build = try ProcessRunner.run("/usr/bin/cc", ["-O1", "-Wall", "-Werror", "-o", output,
                                                          Repository.path("Tests/Fixtures/observer/socket-writes.c")])
        guard build.status == 0 else { throw Failed(description: "cc failed: \(build.stderr)") }
        return output
    }

    struct Failed: Error, CustomStringConvertible { let description: String }

    /// The resolved path of the object named `name` this test process has mapped.
    /// The libssl the host's own programs load (`openssl`, `curl`, python3): the one the tlsprobe
    /// under test loads as its `system` runtime, as `tlsprobe env` measures it. Never this test
    /// process's own, which is another line's when the suite runs under a runtime's loader.
    static func hostLibssl() throws -> String {
        guard let path = try CLI.systemOpenSSL.get().libsslPath else { throw HostLibsslUnknown() }
        return resolved(path)
    }

    struct HostLibsslUnknown: Error, CustomStringConvertible {
        var description: String { "tlsprobe env names no libssl path" }
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}

/// One run of a program with the observer's descriptor 9 on a FIFO this test reads: the
/// program is started by `/bin/sh`, which opens the FIFO as descriptor 9 and execs `env`
/// with LD_PRELOAD (unless `preload` is nil: a loader's --preload) and TLSPROBE_OBSERVER_FD.
/// The records are read once the program ended (a few lines: far below a pipe's buffer).
struct ObservedRun: CustomStringConvertible {
    let status: Int32
    let stdout: Data
    let stderr: String
    let records: [UInt8]
    var log: ObserverLog { ObserverLog(parsing: records) }

    init(_ command: [String], preload: String?, descriptorVariable: String? = "9") throws {
        let folder = try Repository.scratch("observer-run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("records").path
        guard mkfifo(fifo, 0o600) == 0 else { throw ObserverFixture.Failed(description: "mkfifo: \(errno)") }
        // Opened first, without blocking, so the shell's open for writing finds a reader.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard reader >= 0 else { throw ObserverFixture.Failed(description: "open FIFO: \(errno)") }
        defer { close(reader) }
        var assignments: [String] = []
        if let preload { assignments.append("LD_PRELOAD=\(preload)") }
        if let descriptorVariable { assignments.append("TLSPROBE_OBSERVER_FD=\(descriptorVariable)") }
        let run = try ProcessRunner.run("/bin/sh", ["-c", "exec 9>\"$0\" && exec /usr/bin/env \"$@\"", fifo] + assignments + command)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        status = run.status
        stdout = run.stdout
        stderr = run.stderr
        records = bytes
    }

    var description: String {
        "status \(status); records:\n\(String(decoding: records, as: UTF8.self))stderr: \(stderr.suffix(600))"
    }
}

/// A loopback TCP listener answering each connection with a short HTTP response (or, `silent`,
/// reading until the client closes): a plain-text peer for curl and the C fixture.
final class PlainHTTPListener: @unchecked Sendable {
    let port: UInt16
    private let socket: Int32
    private let thread: Thread

    init(silent: Bool = false) throws {
        let listening = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard listening >= 0, bound == 0, listen(listening, 16) == 0 else {
            if listening >= 0 { close(listening) }
            throw ObserverFixture.Failed(description: "listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        socket = listening
        thread = Thread {
            while true {
                let client = accept(listening, nil, nil)
                guard client >= 0 else { return }
                Thread.detachNewThread {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    if silent {
                        while buffer.withUnsafeMutableBytes({ recv(client, $0.baseAddress, $0.count, 0) }) > 0 {}
                    } else {
                        _ = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                        let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nplain".utf8)
                        _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    }
                    close(client)
                }
            }
        }
        thread.start()
    }

    deinit {
        // shutdown wakes the accept; the thread then returns.
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
