@testable import BIOPatterns
import COpenSSL
import Loopback
import ProxyCore
import Testing
import TestSupport

/// Upstream ATS's fix, kept in BIOPatterns to compare with (`exdata-fastopen`): the
/// fast-open BIO with the destination in BIO ex_data.
@Suite struct FastOpenBIOTests {
    /// The fix in one assertion: after `BIO_set_conn_address` the data pointer still
    /// holds whatever the socket BIO's create put there, and ex_data holds the destination.
    @Test func destinationGoesToExDataAndLeavesTheDataPointerToOpenSSL() throws {
        FastOpenBIO.prepare()
        let socket = try Socket(family: .ipv4)
        let state = FastOpenBIO.State(slot: ExDataSlot.shared, observer: WriteObserver(expectedAddressLength: 16))
        let bio = try FastOpenBIO.make(fileDescriptor: socket.fileDescriptor, state: state)
        let before = BIO_get_data(bio.pointer)
        #expect((before != nil) == OpenSSLRuntime.current.socketBIOOwnsData)

        let destination = OwnedSocketAddress(SocketAddress.loopback(.ipv4, port: 9))
        #expect(tlsprobe_BIO_set_conn_address(bio.pointer, destination.pointer) == 1)
        #expect(BIO_get_data(bio.pointer) == before)
        #expect(ExDataSlot.shared.load(from: bio.pointer) == destination.pointer)
    }

    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6])
    func tfoOnFirstWriteIsSendtoWithTheFamilysLength(_ family: SocketAddress.Family) throws {
        try #require(TestProcess.clientTFOEnabled, "this host's tcp_fastopen has no client bit")
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(ReferenceDesign.exDataFastOpen, tfo: true)
        let write = try #require(connection.diagnostics.firstWrite)
        #expect(write.syscall == .sendto)
        #expect(write.flags == ["MSG_FASTOPEN"])
        #expect(write.addressLength == (family == .ipv4 ? 16 : 28))
        #expect(write.expectedAddressLength == write.addressLength)
        #expect(write.observedBy == .fastOpenBIO)
    }

    /// With TFO off nothing is pending: the first write is a plain `write()` on every
    /// runtime, including those whose socket BIO owns the data pointer (3.2+).
    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6])
    func tfoOffFirstWriteIsAPlainWrite(_ family: SocketAddress.Family) throws {
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(ReferenceDesign.exDataFastOpen, tfo: false)
        let write = try #require(connection.diagnostics.firstWrite)
        #expect(write.syscall == .write)
        #expect(write.addressLength == nil)
        #expect(write.result > 0)
    }

    /// A proxy abandons connections before they write: releasing one frees everything
    /// once, whatever the runtime (the legacy design crashes here on 3.2+).
    @Test(arguments: [false, true])
    func releasedBeforeTheFirstWrite(_ tfo: Bool) throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        let pending = try OriginConnector(context: fixture.client).prepare(
            to: fixture.server.address, identity: fixture.identity, tfo: tfo, deadline: .after(seconds: 5),
            instrumentation: ConnectInstrumentation(recipe: ReferenceDesign.exDataFastOpen))
        #expect(pending.diagnostics.firstWrite == nil)
    }
}
