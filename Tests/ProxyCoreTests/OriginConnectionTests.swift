import Foundation
import Loopback
import Testing
import TestSupport
@testable import ProxyCore

/// `OriginConnection`'s own I/O, as a proxy uses it, against the loopback TLS echo server
/// (it reads one line, echoes it, sends close_notify and closes).
@Suite struct OriginConnectionTests {
    /// Reads until `line` is complete or the origin closes.
    private func readLine(_ connection: OriginConnection) throws -> [UInt8] {
        var line: [UInt8] = []
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = try connection.read(maximum: 4096, deadline: .after(seconds: 5))
            if chunk.isEmpty { break }
            line += chunk
        }
        return line
    }

    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6], [false, true])
    func writeReadAndTheOriginsCleanClose(_ family: SocketAddress.Family, tfo: Bool) throws {
        let fixture = try LoopbackFixture(family: family)
        let connection = try OriginConnector(context: fixture.client).connect(to: fixture.server.address, identity: fixture.identity,
                                                                              tfo: tfo, deadline: .after(seconds: 5))
        let line = Array("GET / HTTP/1.1\r\n".utf8)
        try connection.write(line, deadline: .after(seconds: 5))
        #expect(try readLine(connection) == line)
        // The server's close_notify: a clean end, an empty read, not an error.
        #expect(try connection.read(maximum: 16, deadline: .after(seconds: 5)) == [])
        #expect(connection.protocolVersion == "TLSv1.3")
        #expect(connection.cipher != nil)
        connection.close()
    }

    /// Our close_notify after the exchange (the origin's already read, so that the origin's
    /// socket is not yet reset when ours goes out); nothing can be written after it.
    @Test(arguments: [false, true])
    func shutdownSendsCloseNotify(waitForOrigin: Bool) throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        let connection = try fixture.connect(tfo: false)
        let line = Array("bye\n".utf8)
        try connection.write(line, deadline: .after(seconds: 5))
        #expect(try readLine(connection) == line)
        #expect(try connection.read(maximum: 16, deadline: .after(seconds: 5)) == [])
        try connection.shutdown(deadline: .after(seconds: 5), waitForOrigin: waitForOrigin)
        do {
            try connection.write(line, deadline: .after(seconds: 1))
            Issue.record("wrote after shutdown")
        } catch {
            #expect(error.error.kind == .protocolFailure || error.error.kind == .systemCall, "\(error)")
        }
        connection.close()
    }

    /// An origin that says nothing: the read gives up at its deadline, with the diagnostics.
    @Test func readGivesUpAtTheDeadline() throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        let connection = try fixture.connect(tfo: false)
        let started = Deadline.now
        do {
            // The echo server waits for a line that never comes.
            _ = try connection.read(maximum: 16, deadline: .after(seconds: 0.3))
            Issue.record("read returned though the origin sent nothing")
        } catch {
            #expect(error.error.kind == .deadline)
            #expect(error.diagnostics.strategy == "fd")
            #expect(error.description.hasPrefix("fd: read"))
        }
        let elapsed = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1e9
        #expect(elapsed >= 0.25 && elapsed < 2, "took \(elapsed) s")
    }

    /// After `close()` every call fails at once with `.closed`; closing twice is harmless.
    @Test func closeEndsTheConnection() throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        let connection = try fixture.connect(tfo: false)
        connection.close()
        connection.close()
        do {
            try connection.write(Array("late\n".utf8), deadline: .after(seconds: 1))
            Issue.record("wrote after close")
        } catch {
            #expect(error.error.kind == .closed)
        }
        do {
            _ = try connection.read(maximum: 1, deadline: .after(seconds: 1))
            Issue.record("read after close")
        } catch {
            #expect(error.error.kind == .closed)
        }
        #expect(throws: OriginIOError.self) { try connection.shutdown(deadline: .after(seconds: 1)) }
    }
}
