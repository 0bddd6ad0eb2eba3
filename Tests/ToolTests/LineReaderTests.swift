import Foundation
@testable import ProcessKit
import ProxyCore
import Testing

/// `LineReader` over real `/bin/sh` children: stdout line by line under deadlines,
/// stderr drained on the way.
@Suite struct LineReaderTests {
    /// `LineReader.Next`, comparable.
    enum Read: Equatable, CustomStringConvertible {
        case line(String)
        case end
        case timedOut

        init(_ next: LineReader.Next) {
            switch next {
            case .line(let line): self = .line(line)
            case .end: self = .end
            case .timedOut: self = .timedOut
            }
        }

        var description: String {
            switch self {
            case .line(let line): "line(\(line.count > 40 ? "\(line.prefix(40))… (\(line.count) characters)" : line))"
            case .end: "end"
            case .timedOut: "timedOut"
            }
        }
    }

    /// Generous: these children answer at once; the deadline only keeps a broken reader from hanging the run.
    static let patience = 20.0

    static func shell(_ script: String) throws -> ChildProcess {
        try ChildProcess(arguments: ["/bin/sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"])
    }

    static func reads(_ reader: LineReader, _ count: Int, within seconds: Double = patience) -> [Read] {
        let deadline = Deadline.after(seconds: seconds)
        return (0..<count).map { _ in Read(reader.next(until: deadline)) }
    }

    /// Reaps the child; one whose stdout did not end (a reader that fails to drain
    /// stderr leaves it blocked in write) is killed first, so a regression fails the test
    /// instead of hanging the run.
    static func reap(_ child: ChildProcess, after reads: [Read]) -> ChildProcess.Termination {
        if reads.last != .end { child.kill() }
        return child.wait()
    }

    @Test func linesComeInOrderThenEnd() throws {
        let child = try Self.shell("printf 'one\\ntwo\\n\\nthree with spaces\\n'; echo four")
        let reader = LineReader(child: child)
        let reads = Self.reads(reader, 7)
        #expect(reads == [.line("one"), .line("two"), .line(""), .line("three with spaces"), .line("four"), .end, .end])
        #expect(Self.reap(child, after: reads) == .exited(0))
    }

    @Test func aLastLineWithoutANewlineIsNotALine() throws {
        let child = try Self.shell("printf 'a\\nb\\npartial'")
        let reader = LineReader(child: child)
        #expect(Self.reads(reader, 4) == [.line("a"), .line("b"), .end, .end])
    }

    @Test func aLineLongerThanAPipeArrivesWhole() throws {
        let child = try Self.shell("head -c 200000 /dev/zero | tr '\\0' x; echo; echo after")
        let reader = LineReader(child: child)
        #expect(Self.reads(reader, 3) == [.line(String(repeating: "x", count: 200_000)), .line("after"), .end])
    }

    @Test func aSilentChildTimesOutAtTheDeadline() throws {
        let child = try Self.shell("echo first; exec sleep 30")
        let reader = LineReader(child: child)
        #expect(Self.reads(reader, 1) == [.line("first")])

        let start = Deadline.now
        #expect(Read(reader.next(until: .after(seconds: 0.2))) == .timedOut)
        #expect(start.millisecondsUntilNow >= 200, "no earlier than the deadline")
        // A deadline already past answers at once, without reading.
        #expect(Read(reader.next(until: .now)) == .timedOut)

        // Killed, the child closes its stdout: the reader sees the end.
        child.kill()
        #expect(child.wait() == .signaled(SIGKILL))
        #expect(Self.reads(reader, 1) == [.end])
    }

    @Test func aChildThatNeverWritesTimesOut() throws {
        let child = try Self.shell("exec sleep 30")
        let reader = LineReader(child: child)
        #expect(Read(reader.next(until: .after(seconds: 0.2))) == .timedOut)
        // Its deinit kills and reaps it.
    }

    @Test func theStderrTailIsItsLastThreeLinesOnOneLine() throws {
        let child = try Self.shell("printf 'one\\ntwo\\nthree\\nfour\\n' >&2; echo out")
        let reader = LineReader(child: child)
        let reads = Self.reads(reader, 2)
        #expect(reads == [.line("out"), .end])
        #expect(Self.reap(child, after: reads) == .exited(0))
        reader.drainStderr()
        #expect(reader.stderrTail == "two | three | four")
    }

    @Test func aChildWithoutStderrHasAnEmptyTail() throws {
        let child = try Self.shell("echo out")
        let reader = LineReader(child: child)
        let reads = Self.reads(reader, 2)
        #expect(reads == [.line("out"), .end])
        #expect(Self.reap(child, after: reads) == .exited(0))
        reader.drainStderr()
        #expect(reader.stderrTail == "")
    }

    /// More than a pipe's 64 KiB on stderr: without the reader draining it the child
    /// would block in write(2) and never print its second stdout line.
    @Test func aChattyStderrDoesNotBlockStdout() throws {
        // About 500 KB: 30000 numbered lines, so the tail shows it was read to the last byte.
        let child = try Self.shell("echo before; seq -f 'stderr line %g' 30000 >&2; echo after; exit 4")
        let reader = LineReader(child: child)
        let reads = Self.reads(reader, 3)
        #expect(reads == [.line("before"), .line("after"), .end])
        #expect(Self.reap(child, after: reads) == .exited(4))
        reader.drainStderr()
        #expect(reader.stderrTail == "stderr line 29998 | stderr line 29999 | stderr line 30000")
    }
}
