import COpenSSLCore
import Loopback
import Testing
import TestSupport
@testable import ProxyCore

/// The fast-open filter over OpenSSL's socket BIO: the fix without deprecated API.
/// These run in the test process on the linked OpenSSL and again under 3.5's loader
/// (scripts/test): the filter never touches a BIO it did not create, so it is safe on both.
@Suite struct FilterFastOpenBIOTests {
    /// The filter keeps the destination in its own state; the socket BIO below keeps
    /// whatever its create put in its data pointer (OpenSSL's struct from 3.2, NULL before).
    @Test func destinationGoesToTheFiltersStateAndLeavesTheSocketBIOAlone() throws {
        let socket = try Socket(family: .ipv4)
        let chain = try FilterFastOpenBIO.make(fileDescriptor: socket.fileDescriptor,
                                               observer: WriteObserver(expectedAddressLength: 16))
        let socketBIO = try #require(BIO_next(chain.pointer))
        #expect(BIO_method_type(socketBIO) == proxycore_BIO_TYPE_SOCKET)
        let before = BIO_get_data(socketBIO)
        #expect((before != nil) == OpenSSLRuntime.current.socketBIOOwnsData)
        #expect(proxycore_BIO_get_fd(chain.pointer) == socket.fileDescriptor, "BIO_get_fd reaches the socket BIO")

        let destination = OwnedSocketAddress(SocketAddress.loopback(.ipv4, port: 9))
        #expect(proxycore_BIO_set_conn_address(chain.pointer, destination.pointer) == 1)
        #expect(BIO_get_data(socketBIO) == before)
        #expect(FilterFastOpenBIO.state(of: chain.pointer)?.destination == destination.pointer)
        #expect(FilterFastOpenBIO.state(of: socketBIO) == nil, "only our own filter has our state")
    }

    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6])
    func tfoOnFirstWriteIsSendtoWithTheFamilysLength(_ family: SocketAddress.Family) throws {
        try #require(TestProcess.clientTFOEnabled, "this host's tcp_fastopen has no client bit")
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(OriginConnector.Strategy.filterFastOpen, tfo: true)
        let write = try #require(connection.diagnostics.firstWrite)
        #expect(write.syscall == .sendto)
        #expect(write.flags == ["MSG_FASTOPEN"])
        #expect(write.addressLength == (family == .ipv4 ? 16 : 28))
        #expect(write.expectedAddressLength == write.addressLength)
        #expect(write.observedBy == .fastOpenFilterBIO)
        #expect(connection.tls.protocolVersion == "TLSv1.3")
        try echo(connection)
    }

    /// With TFO off nothing is pending: the first write is the socket BIO's plain `write()`,
    /// on every runtime, and data flows both ways through the filter.
    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6])
    func tfoOffFirstWriteIsAPlainWrite(_ family: SocketAddress.Family) throws {
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(OriginConnector.Strategy.filterFastOpen, tfo: false)
        let write = try #require(connection.diagnostics.firstWrite)
        #expect(write.syscall == .write)
        #expect(write.flags.isEmpty)
        #expect(write.addressLength == nil)
        #expect(write.result > 0)
        #expect(write.observedBy == .fastOpenFilterBIO)
        try echo(connection)
    }

    /// After a whole handshake the socket BIO under the SSL still has the data pointer its create gave it.
    @Test(arguments: [false, true])
    func theSocketBIOsDataPointerIsUntouchedByAConnection(_ tfo: Bool) throws {
        try #require(!tfo || TestProcess.clientTFOEnabled, "this host's tcp_fastopen has no client bit")
        let fixture = try LoopbackFixture(family: .ipv4)
        let connection = try fixture.connect(OriginConnector.Strategy.filterFastOpen, tfo: tfo)
        let filter = try #require(SSL_get_wbio(connection.tls.ssl))
        #expect(FilterFastOpenBIO.state(of: filter) != nil)
        #expect(FilterFastOpenBIO.state(of: filter)?.destination == nil, "the first write used the destination")
        let socketBIO = try #require(BIO_next(filter))
        #expect(BIO_method_type(socketBIO) == proxycore_BIO_TYPE_SOCKET)
        #expect((BIO_get_data(socketBIO) != nil) == OpenSSLRuntime.current.socketBIOOwnsData)
        #expect(SSL_get_fd(connection.tls.ssl) == connection.tls.socket.fileDescriptor, "SSL_get_fd finds the socket BIO")
    }

    /// A proxy abandons connections before they write: releasing one frees the chain and
    /// the filter's state exactly once (an extra release or free would crash this process).
    @Test(arguments: [false, true])
    func releasedBeforeTheFirstWriteFreesEverythingOnce(_ tfo: Bool) throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        weak var state: FilterFastOpenBIO.State?
        do {
            let pending = try OriginConnector(context: fixture.client).prepare(
                to: fixture.server.address, identity: fixture.identity, tfo: tfo, deadline: .after(seconds: 5),
                instrumentation: ConnectInstrumentation(recipe: OriginConnector.Strategy.filterFastOpen))
            #expect(pending.diagnostics.firstWrite == nil)
            let filter = try #require(SSL_get_wbio(pending.tls.ssl))
            state = FilterFastOpenBIO.state(of: filter)
            #expect(state != nil)
            #expect((state?.destination != nil) == tfo, "the destination is pending only with TFO on")
        }
        #expect(state == nil, "the filter's destroy released its state when the SSL freed the chain")
    }

    /// A chain never handed to an SSL is freed whole by its handle.
    @Test func aChainThatNeverReachedAnSSLIsFreedByItsHandle() throws {
        let socket = try Socket(family: .ipv4)
        weak var state: FilterFastOpenBIO.State?
        do {
            let chain = try FilterFastOpenBIO.make(fileDescriptor: socket.fileDescriptor,
                                                   observer: WriteObserver(expectedAddressLength: 16))
            state = FilterFastOpenBIO.state(of: chain.pointer)
            #expect(state != nil)
        }
        #expect(state == nil)
    }

    /// With the kernel option absent and no BIO_SOCK_TFO, the policy picks the filter.
    @Test func thePolicyPicksTheFilterWhereNothingElseDoesTFO() throws {
        var runtime = OpenSSLRuntime.current
        runtime.nativeTFO = false
        let connector = OriginConnector(context: try TLSContext.client(trustAnchors: []), runtime: runtime,
                                        kernel: .absent(errno: ENOPROTOOPT))
        #expect(connector.strategy(tfo: true) == .filterFastOpen)
        #expect(connector.strategy(tfo: false) == .fd)
    }

    /// A line out and the same line back, through the filter both ways.
    private func echo(_ connection: OriginConnection) throws {
        let line = Array("through the filter\n".utf8)
        try connection.tls.write(line, until: .after(seconds: 5))
        #expect(try connection.tls.readLine(until: .after(seconds: 5)) == line)
    }
}
