import COpenSSL
import ProbeKit
import Testing
@testable import ProxyCore

@Suite struct FastOpenBIOTests {
    /// The fix in one assertion: with ex_data storage the data pointer keeps
    /// whatever the socket BIO's create put there; with BIO data it is overwritten.
    @Test(arguments: [AddressStorage.bioData, .exData])
    func destinationStorage(_ storage: AddressStorage) throws {
        let socket = try Socket(family: .ipv4)
        let state = FastOpenBIO.State(storage: storage, observer: WriteObserver(expectedAddressLength: 16))
        let bio = try FastOpenBIO.make(fileDescriptor: socket.fileDescriptor, state: state)
        let before = BIO_get_data(bio.pointer)
        #expect((before != nil) == OpenSSLRuntime.current.socketBIOOwnsData)

        let destination = DestinationAddress(SocketAddress(family: .ipv4, host: "127.0.0.1", port: 9)!)
        #expect(tlsprobe_BIO_set_conn_address(bio.pointer, destination.pointer) == 1)
        switch storage {
        case .bioData:
            #expect(BIO_get_data(bio.pointer) == destination.pointer)
            // Put OpenSSL's pointer back so the borrowed destroy frees what it allocated.
            BIO_set_data(bio.pointer, before)
        case .exData:
            #expect(BIO_get_data(bio.pointer) == before)
            #expect(BIO_get_ex_data(bio.pointer, FastOpenBIO.destinationIndex) == destination.pointer)
        }
    }

    @Test(arguments: [AddressFamily.ipv4, .ipv6], [OriginConnector.Strategy.legacyFastOpen, .exDataFastOpen])
    func tfoOnFirstWriteIsSendtoWithTheFamilysLength(_ family: AddressFamily, _ strategy: OriginConnector.Strategy) throws {
        try #require(clientTFOEnabled, "this host's tcp_fastopen has no client bit")
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(strategy, tfo: true, family: family)
        let write = try #require(connection.diagnostics.firstWrite)
        #expect(write.syscall == "sendto")
        #expect(write.flags == ["MSG_FASTOPEN"])
        #expect(write.addressLength == (family == .ipv4 ? 16 : 28))
        #expect(write.expectedAddressLength == write.addressLength)
        #expect(write.observedBy == "fast-open BIO")
    }

    /// With TFO off the legacy design writes plainly before 3.2 and hits
    /// `sendto(…, 0)` = EINVAL from 3.2 on; the ex_data BIO writes plainly everywhere.
    @Test(arguments: [AddressFamily.ipv4, .ipv6], [OriginConnector.Strategy.legacyFastOpen, .exDataFastOpen])
    func tfoOffFirstWrite(_ family: AddressFamily, _ strategy: OriginConnector.Strategy) throws {
        let fixture = try LoopbackFixture(family: family)
        let broken = strategy == .legacyFastOpen && OpenSSLRuntime.current.socketBIOOwnsData
        switch Result(catching: { () throws(OriginConnectError) in try fixture.connect(strategy, tfo: false, family: family) }) {
        case .success(let connection):
            #expect(!broken, "the legacy design connected although the socket BIO owns its data pointer")
            let write = try #require(connection.diagnostics.firstWrite)
            #expect(write.syscall == "write")
            #expect(write.addressLength == nil)
        case .failure(let error):
            #expect(broken, "unexpected failure: \(error)")
            let write = try #require(error.diagnostics.firstWrite)
            #expect(write.syscall == "sendto")
            #expect(write.addressLength == 0)
            #expect(write.result == -1)
        }
    }
}
