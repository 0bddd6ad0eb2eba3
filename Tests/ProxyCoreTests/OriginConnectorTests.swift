import Foundation
import Loopback
import Testing
import TestSupport
@testable import ProxyCore

@Suite struct OriginConnectorTests {
    func runtime(nativeTFO: Bool) -> OpenSSLRuntime {
        var runtime = OpenSSLRuntime.current
        runtime.nativeTFO = nativeTFO
        return runtime
    }

    /// The policy's whole table: fd without TFO; with TFO the kernel's option first,
    /// then OpenSSL's own, and the fast-open filter BIO only where neither exists.
    @Test func policyPicksTheStrategyForTheRuntimeAndKernel() throws {
        let context = try TLSContext.client(trustAnchors: [])
        let cases: [(KernelTFOSupport, Bool, OriginConnector.Strategy)] = [
            (.available, false, .fastOpenConnect),
            (.available, true, .fastOpenConnect),
            (.disabled(errno: EOPNOTSUPP), false, .fastOpenConnect),
            (.absent(errno: ENOPROTOOPT), true, .nativeTFO),
            (.absent(errno: ENOPROTOOPT), false, .filterFastOpen),
        ]
        for (kernel, nativeTFO, expected) in cases {
            let connector = OriginConnector(context: context, runtime: runtime(nativeTFO: nativeTFO), kernel: kernel)
            #expect(connector.strategy(tfo: false) == .fd)
            #expect(connector.strategy(tfo: true) == expected, "kernel \(kernel), native TFO \(nativeTFO)")
        }
    }

    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6])
    func policyWithTFOOffConnectsWithSSLSetFD(_ family: SocketAddress.Family) throws {
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(tfo: false)
        #expect(connection.diagnostics.strategy == "fd")
        #expect(connection.diagnostics.chosenByPolicy)
        #expect(connection.diagnostics.firstWrite?.syscall == .write)
        #expect(connection.diagnostics.firstWrite?.observedBy == .openSSLSocketBIO)
    }

    @Test(arguments: [SocketAddress.Family.ipv4, .ipv6])
    func policyWithTFOOnConnects(_ family: SocketAddress.Family) throws {
        let fixture = try LoopbackFixture(family: family)
        let connection = try fixture.connect(tfo: true)
        #expect(connection.diagnostics.strategy == OriginConnector(context: fixture.client).strategy(tfo: true).rawValue)
        #expect(connection.tls.protocolVersion == "TLSv1.3")
    }

    @Test func certificateFromAnotherCAIsRefused() throws {
        let stranger = try EphemeralPKI.generate(name: "some other CA")
        let fixture = try LoopbackFixture(family: .ipv4, serverPKI: stranger)
        #expect {
            try fixture.connect(OriginConnector.Strategy.fd, tfo: false)
        } throws: { error in
            let error = error as! OriginConnectError
            return error.kind == .failed && error.verifyError != nil
        }
    }

    @Test func certificateForAnotherNameIsRefused() throws {
        let fixture = try LoopbackFixture(family: .ipv4)
        do {
            _ = try fixture.connect(OriginConnector.Strategy.fd, tfo: false, identity: .dnsName("origin.example"))
            Issue.record("connected to a server whose certificate does not name origin.example")
        } catch {
            #expect(error.verifyError?.contains("mismatch") == true, "\(error)")
        }
    }

    @Test func tls12IsNegotiatedWhenTheClientCapsIt() throws {
        let fixture = try LoopbackFixture(family: .ipv4, clientMaximum: .tls12)
        let connection = try fixture.connect(OriginConnector.Strategy.fd, tfo: false)
        #expect(connection.tls.protocolVersion == "TLSv1.2")
    }

    /// A peer that accepts TCP but never speaks TLS: the handshake must give up at the deadline.
    @Test func silentOriginTimesOutAtTheDeadline() throws {
        let listener = try Socket(family: .ipv4)
        let any = SocketAddress.loopback(.ipv4, port: 0)
        #expect(any.withSockaddr { bind(listener.fileDescriptor, $0, $1) } == 0)
        #expect(listen(listener.fileDescriptor, 4) == 0)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener.fileDescriptor, $0, &length) }
        }
        let origin = SocketAddress(family: .ipv4, host: "127.0.0.1", port: UInt16(bigEndian: bound.sin_port))!
        let connector = OriginConnector(context: try TLSContext.client(trustAnchors: []))
        let started = Deadline.now
        do {
            _ = try connector.connect(to: origin, identity: .ipAddress("127.0.0.1"), tfo: false,
                                      deadline: .after(seconds: 0.5), instrumentation: ConnectInstrumentation(recipe: OriginConnector.Strategy.fd))
            Issue.record("handshake with a silent peer succeeded")
        } catch {
            #expect(error.kind == .timedOut)
        }
        let elapsed = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1e9
        #expect(elapsed >= 0.45 && elapsed < 2.0, "took \(elapsed) s")
    }
}
