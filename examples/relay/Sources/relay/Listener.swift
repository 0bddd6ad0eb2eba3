import Glibc
import ProxyCore

/// The listening socket clients connect to.
struct Listener {
    let descriptor: Int32
    /// Where it really listens (the port the kernel chose for port 0).
    let boundAddress: Endpoint

    init(_ endpoint: Endpoint) throws {
        let address = endpoint.address
        let descriptor = socket(address.family.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw RelayError("socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockaddr({ bind(descriptor, $0, $1) }) == 0 else { throw RelayError("bind \(endpoint)", errno: errno) }
        guard Glibc.listen(descriptor, 512) == 0 else { throw RelayError("listen", errno: errno) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        // sin_port and sin6_port both follow the 2-byte family.
        let port = withUnsafeBytes(of: storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        self.descriptor = descriptor
        boundAddress = Endpoint(SocketAddress(family: address.family, host: address.host, port: port)!)
    }

    /// The next client's socket.
    func accept() throws -> Int32 {
        while true {
            let client = Glibc.accept(descriptor, nil, nil)
            if client >= 0 { return client }
            guard errno == EINTR || errno == ECONNABORTED else { throw RelayError("accept", errno: errno) }
        }
    }
}

/// A system call of the relay's own failed.
struct RelayError: Error, CustomStringConvertible {
    let description: String

    init(_ operation: String, errno: Int32) {
        description = "\(operation) failed: \(ErrnoName.of(errno))"
    }

    init(_ description: String) {
        self.description = description
    }
}
