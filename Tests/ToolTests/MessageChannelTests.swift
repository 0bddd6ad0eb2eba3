import Foundation
@testable import ProcessKit
import ProxyCore
import Testing

/// `LineReader` over a child's private message pipe (descriptor 3), as workers speak: stdout
/// and stderr are only bounded diagnostics, the end is the child's exit (not its pipes' end,
/// which a forked process can hold), and no line or output grows the reader without bound.
@Suite struct MessageChannelTests {
    static func shell(_ script: String) throws -> ChildProcess {
        try ChildProcess(arguments: ["/bin/sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"], messageChannel: true)
    }

    static func reads(_ reader: LineReader, _ count: Int, within seconds: Double = 20) -> [LineReaderTests.Read] {
        let deadline = Deadline.after(seconds: seconds)
        return (0..<count).map { _ in LineReaderTests.Read(reader.next(until: deadline)) }
    }

    /// What the child prints is not a message; what it writes to descriptor 3 is.
    @Test func onlyDescriptorThreeCarriesMessages() throws {
        let child = try Self.shell("echo junk; echo '{\"start\":\"x\"}' >&3; printf '123456789'; echo said >&2; echo two >&3")
        let reader = LineReader(child: child)
        #expect(Self.reads(reader, 3) == [.line("{\"start\":\"x\"}"), .line("two"), .end])
        #expect(child.wait() == .exited(0))
        reader.drainStderr()
        #expect(reader.stderrTail == "said")
        #expect(reader.stdoutTail == "junk | 123456789")
    }

    /// A process the child forked keeps all three pipes open for 30 s: the reader still sees
    /// the end as soon as the child itself exits (before: it waited for the pipes to close).
    @Test func theEndIsTheChildsExitNotItsPipes() throws {
        let child = try Self.shell("echo last >&3; sleep 30 & exit 5")
        defer { child.killGroup() }
        let reader = LineReader(child: child)
        let start = Deadline.now
        #expect(Self.reads(reader, 2) == [.line("last"), .end])
        #expect(start.millisecondsUntilNow < 3000, "\(start.millisecondsUntilNow) ms")
        #expect(child.wait() == .exited(5))
    }

    /// A child that closes descriptor 3 and lives on is not ended: the deadline decides.
    @Test func aClosedChannelOfALiveChildTimesOut() throws {
        let child = try Self.shell("exec 3>&-; exec sleep 30")
        let reader = LineReader(child: child)
        #expect(LineReaderTests.Read(reader.next(until: .after(seconds: 0.3))) == .timedOut)
        child.kill()
        #expect(child.wait() == .signaled(SIGKILL))
        #expect(Self.reads(reader, 1) == [.end])
    }

    /// 16 MB on stderr and on stdout: read to the end, kept as a tail of at most 4 KiB.
    @Test func endlessOutputKeepsOnlyATail() throws {
        let child = try Self.shell("head -c 16777216 /dev/zero >&2; head -c 16777216 /dev/zero; echo done >&2; echo ok >&3")
        let reader = LineReader(child: child)
        let reads = Self.reads(reader, 2, within: 60)
        #expect(reads == [.line("ok"), .end])
        // A reader that stopped draining leaves the child blocked in write: kill it rather than hang.
        if reads.last != .end { child.kill() }
        #expect(child.wait() == .exited(0))
        reader.drainStderr()
        #expect(reader.stderrBytes == 16_777_216 + 5)
        #expect(reader.stderrTail.hasSuffix("done"), "control characters (NULs) shown as '?', then the last line")
        #expect(reader.stderrTail.count <= 600)
    }

    /// A message line longer than the limit is dropped whole, never buffered; the next line comes.
    @Test func anOverlongLineIsDropped() throws {
        let child = try Self.shell("head -c 3000000 /dev/zero | tr '\\0' x >&3; echo >&3; echo next >&3")
        let reader = LineReader(child: child)
        #expect(Self.reads(reader, 2) == [.line("next"), .end])
    }

    @Test func aTailIsBoundedAndPrintable() {
        var tail = OutputTail(limit: 4096)
        for _ in 0..<20 { tail.append(ArraySlice(repeating: UInt8(ascii: "x"), count: 1 << 20)) }
        tail.append(ArraySlice(Array("\u{1b}[31mred\r\nlast line\u{7}\n".utf8)))
        #expect(tail.bytes.count == 4096)
        #expect(tail.total == (20 << 20) + 21)
        #expect(tail.summary(lines: 2, characters: 30) == "xxxxxxxxx?[31mred? | last line?")
    }
}
