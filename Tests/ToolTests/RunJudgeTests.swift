import ProgramRun
import RunModel
import Testing

/// The verdict follows the evidence: each rule is checked with the records that trigger it,
/// and with the nearest records that must not.
@Suite struct RunJudgeTests {
    static let process = ObservedProcess(pid: 10, executable: "/usr/bin/relay", libssl: ["/cache/trixie/libssl.so.3"],
                                         libcrypto: ["/cache/trixie/libcrypto.so.3"], openSSLVersion: "OpenSSL 3.5.9 27 Jan 2026")
    static let zeroLength = ObservedWrite(pid: 10, fd: 7, call: "sendto", flags: 0x2000_0000, fastOpen: true, socketFamily: "ipv4",
                                          addressFamily: 0, addressLength: 0, expectedAddressLength: 16, result: -1, errno: 22,
                                          errnoName: "EINVAL", bytes: 517)
    static let plain = ObservedWrite(pid: 10, fd: 7, call: "write", flags: 0, fastOpen: false, socketFamily: "ipv4", result: 517, bytes: 517)

    static func judge(_ writes: [ObservedWrite], exit: ProgramExit = ProgramExit(status: 0), request: RequestResult? = nil,
                      processes: [ObservedProcess] = [process], expected: String? = "/cache/trixie/libssl.so.3") -> (RunOutcome, String) {
        RunJudge(writes: writes, processes: processes, exit: exit, request: request, expectedLibssl: expected).judge()
    }

    @Test func zeroLengthDestinationIsAffected() {
        let answered = RequestResult(url: "http://127.0.0.1:8080/", status: 502, seconds: 0.1)
        let (outcome, verdict) = Self.judge([Self.zeroLength], exit: ProgramExit(stoppedBy: .requestAnswered), request: answered)
        #expect(outcome == .affected)
        #expect(verdict == "AFFECTED on OpenSSL 3.5.9: sendto(MSG_FASTOPEN) address length 0 → EINVAL (a correct call passes 16); request → 502")
    }

    @Test func rightLengthFastOpenIsOK() {
        var write = Self.zeroLength
        (write.addressFamily, write.addressLength, write.result, write.errno, write.errnoName) = (2, 16, 1577, nil, nil)
        let (outcome, verdict) = Self.judge([write])
        #expect(outcome == .ok)
        #expect(verdict == "ok on OpenSSL 3.5.9: first write sendto(MSG_FASTOPEN, addrlen 16) = 1577; exit status 0")
    }

    /// Traffic Server's TFO-on first write without a cookie: the kernel is still connecting.
    @Test func fastOpenInProgressIsNoFailure() {
        var write = Self.zeroLength
        (write.addressFamily, write.addressLength, write.errno, write.errnoName, write.bytes) = (2, 16, 115, "EINPROGRESS", 1577)
        let answered = RequestResult(url: "http://127.0.0.1:8080/", status: 200, seconds: 0.1)
        let (outcome, verdict) = Self.judge([write], exit: ProgramExit(stoppedBy: .requestAnswered), request: answered)
        #expect(outcome == .ok)
        #expect(verdict == "ok on OpenSSL 3.5.9: first write sendto(MSG_FASTOPEN, addrlen 16) = -1 EINPROGRESS; request → 200")
    }

    @Test func crashNamesGlibcsMessage() {
        let exit = ProgramExit(signal: "SIGABRT", glibcMessage: "free(): invalid pointer")
        #expect(Self.judge([Self.plain], exit: exit) == (.crashed, "crashed (SIGABRT, free(): invalid pointer) on OpenSSL 3.5.9: first write write() = 517"))
        // A signal tlsprobe sent to stop a server that answered is no crash.
        let stopped = ProgramExit(signal: "SIGTERM", stoppedBy: .requestAnswered)
        let ok = RequestResult(url: "http://127.0.0.1:1/", status: 200, seconds: 0)
        #expect(Self.judge([Self.plain], exit: stopped, request: ok).0 == .ok)
    }

    @Test func failuresWithoutTheSignature() {
        #expect(Self.judge([Self.plain], exit: ProgramExit(status: 7)).0 == .failed)
        let refused = RequestResult(url: "http://127.0.0.1:1/", status: 503, seconds: 0)
        #expect(Self.judge([Self.plain], exit: ProgramExit(stoppedBy: .requestAnswered), request: refused).0 == .failed)
        var reset = Self.plain
        (reset.result, reset.errno, reset.errnoName) = (-1, 104, "ECONNRESET")
        #expect(Self.judge([reset]).0 == .failed)
        #expect(Self.judge([Self.plain], exit: ProgramExit(stoppedBy: .deadline)).0 == .timeout)
    }

    @Test func nothingSeenIsNeverOK() {
        #expect(Self.judge([]).0 == .unobservable)
        #expect(Self.judge([Self.plain], processes: []).0 == .unobservable)
        // The writer loaded another libssl than the runtime's: the run says nothing about the runtime.
        var stranger = Self.process
        stranger.libssl = ["/opt/vendor/lib/libssl.so.3"]
        let (outcome, verdict) = Self.judge([Self.plain], processes: [stranger])
        #expect(outcome == .unobservable && verdict.contains("/opt/vendor/lib/libssl.so.3"), "\(verdict)")
    }

    @Test func glibcMessages() {
        #expect(GlibcMessage.find(in: ["starting", "free(): invalid pointer"]) == "free(): invalid pointer")
        #expect(GlibcMessage.find(in: ["double free or corruption (out)", "Aborted"]) == "double free or corruption (out)")
        #expect(GlibcMessage.find(in: ["*** stack smashing detected ***: terminated"]) == "*** stack smashing detected ***: terminated")
        #expect(GlibcMessage.find(in: ["error: free(): nothing"]) == nil)
    }

    @Test func requestTargets() throws {
        let target = try RequestTarget.parse("http://127.0.0.1:8080/a?b=1").get()
        #expect(target.path == "/a?b=1" && target.address.port == 8080 && target.hostHeader == "127.0.0.1:8080")
        #expect(try RequestTarget.parse("http://[::1]:81").get().address.family == .ipv6)
        #expect(try RequestTarget.parse("http://localhost/").get().address.host == "127.0.0.1")
        for refused in ["https://127.0.0.1/", "http://example.com/", "http://10.0.0.1:80/", "127.0.0.1:80", "http://127.0.0.1:0/"] {
            #expect(throws: RequestTargetError.self, "\(refused)") { try RequestTarget.parse(refused).get() }
        }
    }

    @Test func programClosureFindsLibsslThroughLibraries() throws {
        let curl = try ProgramInspector.inspect(program: "curl", arguments: [])
        #expect(curl.path == "/usr/bin/curl" || curl.path == "/bin/curl")
        #expect(curl.abi == "libssl.so.3" && curl.abiFrom?.contains("libcurl.so.4") == true, "\(curl)")
        let shell = try ProgramInspector.inspect(program: "/bin/sh", arguments: [])
        #expect(shell.abi == nil && shell.unobservableReason == nil)
    }
}
