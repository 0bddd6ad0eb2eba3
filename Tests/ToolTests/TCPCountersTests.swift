import Foundation
@testable import Matrix
import Testing

/// `TCPCounters`: the `TcpExt: TCPFastOpen*` counters of a netstat-format file, and their change.
@Suite struct TCPCountersTests {
    static let names = "TcpExt: SyncookiesSent TW TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive "
        + "TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues"
    static let values = "TcpExt: 0 369 5 1 7 0 0 3 0 12"
    static let expected = ["TCPFastOpenActive": 5, "TCPFastOpenActiveFail": 1, "TCPFastOpenPassive": 7,
                           "TCPFastOpenPassiveFail": 0, "TCPFastOpenListenOverflow": 0, "TCPFastOpenCookieReqd": 3,
                           "TCPFastOpenBlackhole": 0]
    static let ipExt = "IpExt: InNoRoutes InTruncatedPkts InOctets\nIpExt: 0 0 123456\n"
    static let mptcpExt = "MPTcpExt: MPCapableSYNRX TCPFastOpenActive\nMPTcpExt: 4 99\n"

    /// A file's text, named in the test list by its layout.
    struct Layout: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String

        init(_ name: String, _ text: String) {
            self.name = name
            self.text = text
        }

        var testDescription: String { name }
    }

    /// Writes `text` to a file of its own and hands its path to `body`.
    func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-netstat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("netstat")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try body(file.path)
    }

    @Test(arguments: [
        Layout("TcpExt lines alone", "\(names)\n\(values)\n"),
        Layout("without a final newline", "\(names)\n\(values)"),
        Layout("IpExt before", "\(ipExt)\(names)\n\(values)\n"),
        Layout("IpExt and MPTcpExt after, as /proc prints them", "\(names)\n\(values)\n\(ipExt)\(mptcpExt)"),
        Layout("IpExt around", "\(ipExt)\(names)\n\(values)\n\(ipExt)"),
    ])
    func parsesTheTcpExtFastOpenCounters(_ layout: Layout) throws {
        #expect(try withFile(layout.text) { TCPCounters.fastOpen(path: $0) } == Self.expected)
    }

    @Test(arguments: [
        Layout("one TcpExt line, the names", "\(names)\n"),
        Layout("one TcpExt line, the values, among IpExt", "\(ipExt)\(values)\n"),
        Layout("three TcpExt lines", "\(names)\n\(values)\n\(values)\n"),
        Layout("no TcpExt at all", ipExt + mptcpExt),
        Layout("empty", ""),
    ])
    func anythingButOneNamesAndOneValuesLineIsNil(_ layout: Layout) throws {
        #expect(try withFile(layout.text) { TCPCounters.fastOpen(path: $0) } == nil)
    }

    @Test func aValueThatIsNotANumberIsLeftOut() throws {
        let text = "TcpExt: TCPFastOpenActive TCPFastOpenPassive\nTcpExt: x 4\n"
        #expect(try withFile(text) { TCPCounters.fastOpen(path: $0) } == ["TCPFastOpenPassive": 4])
    }

    @Test func aMissingFileIsNil() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsprobe-no-such-\(UUID().uuidString)").path
        #expect(TCPCounters.fastOpen(path: path) == nil)
        #expect(TCPCounters.fastOpen(path: "/") == nil, "a folder is not a netstat file")
    }

    @Test func readsThisNamespacesOwnFile() throws {
        let counters = try #require(TCPCounters.fastOpen())
        #expect(counters["TCPFastOpenActive"] != nil)
        #expect(counters.keys.allSatisfy { $0.hasPrefix("TCPFastOpen") })
    }

    @Test(arguments: [
        ("nothing changed", ["TCPFastOpenActive": 5, "TCPFastOpenPassive": 7], ["TCPFastOpenActive": 5, "TCPFastOpenPassive": 7],
         [String: Int]()),
        ("one moved", ["TCPFastOpenActive": 5, "TCPFastOpenPassive": 7], ["TCPFastOpenActive": 6, "TCPFastOpenPassive": 7],
         ["TCPFastOpenActive": 1]),
        ("several moved, one went down", ["TCPFastOpenActive": 5, "TCPFastOpenPassive": 7, "TCPFastOpenCookieReqd": 3],
         ["TCPFastOpenActive": 8, "TCPFastOpenPassive": 7, "TCPFastOpenCookieReqd": 1], ["TCPFastOpenActive": 3, "TCPFastOpenCookieReqd": -2]),
        ("a counter new in after counts from 0", ["TCPFastOpenActive": 5], ["TCPFastOpenActive": 5, "TCPFastOpenBlackhole": 2, "TCPFastOpenPassive": 0],
         ["TCPFastOpenBlackhole": 2]),
        ("empty before", [:], ["TCPFastOpenActive": 0, "TCPFastOpenPassive": 4], ["TCPFastOpenPassive": 4]),
        ("both empty", [:], [:], [:]),
    ])
    func deltaKeepsOnlyChangedCountersWithTheDifference(_ what: String, _ before: [String: Int], _ after: [String: Int],
                                                         _ expected: [String: Int]) {
        #expect(TCPCounters.delta(before, after) == expected, "\(what)")
    }

    @Test func deltaOfTwoParsedFiles() throws {
        let before = try #require(try withFile("\(Self.names)\n\(Self.values)\n") { TCPCounters.fastOpen(path: $0) })
        let later = "TcpExt: 0 380 6 1 8 0 0 3 0 15"
        let after = try #require(try withFile("\(Self.ipExt)\(Self.names)\n\(later)\n") { TCPCounters.fastOpen(path: $0) })
        #expect(TCPCounters.delta(before, after) == ["TCPFastOpenActive": 1, "TCPFastOpenPassive": 1])
    }
}
