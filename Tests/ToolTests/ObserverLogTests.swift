import ProgramRun
import RunModel
import Testing

/// `ObserverLog` over the lines `libtlsprobe-observer.so` writes (copied from real runs of
/// `openssl s_client` and of Tests/Fixtures/observer/socket-writes.c), and over lines a
/// hostile program could write into the pipe it inherited.
@Suite struct ObserverLogTests {
    static let hello = "hello\tpid=15327\texe=/usr/bin/openssl\tlibssl=/lib/x86_64-linux-gnu/libssl.so.3\tlibcrypto=/lib/x86_64-linux-gnu/libcrypto.so.3\tversion=OpenSSL 3.0.19 27 Jan 2026\n"
    static let clientWrite = "write\tpid=15327\tfd=3\tcall=write\tflags=0x0\tdomain=2\tresult=297\tbytes=297\tplain=0\tpeer=127.0.0.1:44331\n"
    static let regression = "write\tpid=20667\tfd=3\tcall=sendto\tflags=0x20000000\tdomain=2\tfamily=0\taddrlen=0\tresult=-1\terrno=22\tbytes=9\tplain=0\n"

    @Test func realLinesBecomeProcessesAndWrites() {
        let log = ObserverLog(parsing: Array((Self.hello + Self.clientWrite + Self.regression).utf8))
        #expect(log.notes == [])
        #expect(log.processes == [ObservedProcess(pid: 15327, executable: "/usr/bin/openssl", libssl: ["/lib/x86_64-linux-gnu/libssl.so.3"],
                                                  libcrypto: ["/lib/x86_64-linux-gnu/libcrypto.so.3"], openSSLVersion: "OpenSSL 3.0.19 27 Jan 2026")])
        #expect(log.writes.count == 2)
        let plain = log.writes[0]
        #expect(plain == ObservedWrite(pid: 15327, fd: 3, call: "write", flags: 0, fastOpen: false, socketFamily: "ipv4",
                                       result: 297, bytes: 297, peer: "127.0.0.1:44331"))
        #expect(!plain.wrongAddressLength)
        let broken = log.writes[1]
        #expect(broken.fastOpen && broken.call == "sendto" && broken.flags == 0x2000_0000)
        #expect(broken.addressFamily == 0 && broken.addressLength == 0 && broken.expectedAddressLength == 16)
        #expect(broken.result == -1 && broken.errno == 22 && broken.errnoName == "EINVAL" && broken.peer == nil)
        #expect(broken.wrongAddressLength)
        #expect(broken.summary == "sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL")
    }

    @Test func anIPv6SocketNeedsTwentyEightBytesOfAddress() {
        let line = "write\tpid=7\tfd=5\tcall=sendmsg\tflags=0x20004000\tdomain=10\tfamily=10\taddrlen=28\tresult=517\tbytes=517\tplain=2\tpeer=[::1]:8443\n"
        let write = try! #require(ObserverLog(parsing: Array(line.utf8)).writes.first)
        #expect(write.socketFamily == "ipv6" && write.expectedAddressLength == 28 && write.addressLength == 28 && !write.wrongAddressLength)
        #expect(write.plainWritesBefore == 2 && write.peer == "[::1]:8443" && write.fastOpen)
    }

    /// A second hello for a pid (libssl dlopen'ed after load, or an exec) replaces the first;
    /// a forked child is a process of its own.
    @Test func aLaterHelloOfTheSamePidReplacesTheFirst() {
        let text = "hello\tpid=9\texe=/usr/bin/prog\tlibssl=\tlibcrypto=\n"
            + "hello\tpid=9\texe=/usr/bin/prog\tlibssl=/a/libssl.so.3:/b/libssl.so.1.1\tlibcrypto=/a/libcrypto.so.3\tversion=OpenSSL 3.5.4 30 Sep 2025\n"
            + "hello\tpid=10\texe=/usr/bin/prog\tlibssl=\tlibcrypto=\n"
        let log = ObserverLog(parsing: Array(text.utf8))
        #expect(log.processes.map(\.pid) == [9, 10])
        #expect(log.processes[0].libssl == ["/a/libssl.so.3", "/b/libssl.so.1.1"] && log.processes[0].openSSLVersion == "OpenSSL 3.5.4 30 Sep 2025")
        #expect(log.processes[1].libssl == [] && log.processes[1].openSSLVersion == nil && log.processes[1].executable == "/usr/bin/prog")
    }

    @Test func lostRecordsAndTheObserversOwnNotesBecomeNotes() {
        let text = "lost\tpid=4\tcount=3\nnote\tpid=4\ttext=the program closed the observer's descriptor; it was kept open\n"
        #expect(ObserverLog(parsing: Array(text.utf8)).notes == [
            "process 4: 3 observer records could not be written",
            "process 4: the program closed the observer's descriptor; it was kept open",
        ])
    }

    /// Each bad line is dropped with a note naming its line and why; the good ones around it are kept.
    @Test(arguments: [
        ("write\tpid=1\tfd=3\tcall=read\tflags=0x0\tdomain=2\tresult=1\tbytes=1", "call="),
        ("write\tpid=1\tfd=3\tcall=write\tflags=16\tdomain=2\tresult=1\tbytes=1", "flags=0x"),
        ("write\tpid=1\tfd=3\tcall=write\tflags=0x0\tdomain=1\tresult=1\tbytes=1", "domain="),
        ("write\tpid=1\tfd=3\tcall=sendto\tflags=0x0\tdomain=2\tfamily=2\tresult=1\tbytes=1", "family= and addrlen="),
        ("write\tpid=1\tfd=3\tcall=write\tflags=0x0\tdomain=2\tresult=-1\tbytes=1", "errno="),
        ("write\tpid=1\tfd=3\tcall=write\tflags=0x0\tdomain=2\tresult=5\terrno=22\tbytes=1", "errno="),
        ("write\tpid=99999999999\tfd=3\tcall=write\tflags=0x0\tdomain=2\tresult=5\tbytes=5", "pid="),
        ("write\tpid=1\tfd=-3\tcall=write\tflags=0x0\tdomain=2\tresult=5\tbytes=5", "fd="),
        ("write\tpid=1\tfd=3\tcall=write\tflags=0x0\tdomain=2\tresult=5\tbytes=x", "bytes="),
        ("write\tpid=1\tfd=3\tfd=4\tcall=write\tflags=0x0\tdomain=2\tresult=5\tbytes=5", "given twice"),
        ("hello\tpid=abc", "pid="),
        ("hello\tpid=1\tnonsense", "key=value"),
        ("goodbye\tpid=1", "unknown record kind"),
        ("\u{1b}[2J\tpid=1", "unknown record kind '?[2J'"),
        ("lost\tpid=1\tcount=0", "count="),
    ])
    func aMalformedLineIsDroppedWithANote(line: String, reason: String) {
        let log = ObserverLog(parsing: Array((Self.hello + line + "\n" + Self.clientWrite).utf8))
        #expect(log.processes.count == 1 && log.writes.count == 1, "\(log)")
        #expect(log.notes.count == 1 && log.notes[0].hasPrefix("observer line 2 dropped: ") && log.notes[0].contains(reason), "\(log.notes)")
    }

    /// Bytes split anywhere (a pipe's reads fall where they fall) read as the whole.
    @Test func chunksSplitAnywhereReadAsTheWhole() {
        let bytes = Array((Self.hello + Self.clientWrite + Self.regression).utf8)
        let whole = ObserverLog(parsing: bytes)
        for size in [1, 2, 7, 64, 300] {
            var log = ObserverLog()
            var start = 0
            while start < bytes.count {
                log.consume(bytes[start..<min(bytes.count, start + size)])
                start += size
            }
            log.finish()
            #expect(log == whole, "chunks of \(size)")
        }
    }

    /// A line longer than 4096 bytes, endless bytes with no newline, binary noise: bounded,
    /// noted, and the records around them kept.
    @Test func oversizedAndTruncatedLinesAreDroppedAndNoted() {
        var bytes = Array(Self.hello.utf8)
        bytes += Array(repeating: UInt8(ascii: "A"), count: 100_000) + [10]
        bytes += (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }.filter { $0 != 10 } + [10]
        bytes += Array(Self.clientWrite.utf8)
        bytes += Array("write\tpid=1\tfd=3".utf8)  // the process died in the middle of nothing: no newline
        let log = ObserverLog(parsing: bytes)
        #expect(log.processes.count == 1 && log.writes.count == 1)
        #expect(log.notes.contains("2 observer lines longer than 4096 bytes dropped"), "\(log.notes)")
        #expect(log.notes.contains { $0.contains("cut short") }, "\(log.notes)")
        // Exactly the longest line the observer writes is read.
        let longest = "hello\tpid=3\texe=" + String(repeating: "x", count: ObserverLog.lineLimit - 17) + "\n"
        #expect(longest.utf8.count == ObserverLog.lineLimit)
        #expect(ObserverLog(parsing: Array(longest.utf8)).processes.first?.executable?.count == ObserverLog.lineLimit - 17)
        let tooLong = "hello\tpid=3\texe=" + String(repeating: "x", count: ObserverLog.lineLimit - 16) + "\n"
        let dropped = ObserverLog(parsing: Array(tooLong.utf8))
        #expect(dropped.processes.isEmpty && dropped.notes == ["1 observer line longer than 4096 bytes dropped"])
    }

    /// A program flooding the pipe with valid records gets `recordLimit` of them kept, and a note.
    @Test func recordsPastTheLimitAreCountedNotKept() {
        let text = String(repeating: Self.clientWrite, count: 25)
        let log = ObserverLog(parsing: Array(text.utf8), recordLimit: 10)
        #expect(log.writes.count == 10)
        #expect(log.notes == ["15 observer records past the limit of 10 dropped"])
    }

    /// Many malformed lines: a few notes, then one count.
    @Test func manyMalformedLinesAreNotedBoundedly() {
        let text = String(repeating: "junk\n", count: 1000)
        let log = ObserverLog(parsing: Array(text.utf8))
        #expect(log.notes.count == 9)
        #expect(log.notes.last == "992 more malformed observer lines dropped")
    }
}
