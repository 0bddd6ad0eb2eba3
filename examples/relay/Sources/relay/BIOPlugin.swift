import CPluginOrigin
import Glibc
import ProxyCore

/// A BIO from a shared object built for tlsprobe's plug-in ABI, on an SSL of the relay's
/// own (`CPluginOrigin`): how a proxy with its own fast-open BIO makes origin connections.
/// The BIO keeps no record of its writes, so `CPluginOrigin` watches the first one at the
/// C library boundary.
final class BIOPlugin: @unchecked Sendable {
    // Made once and never freed: read-only after `init`, shared by every thread.
    private let plugin: OpaquePointer

    init(path: String, ca: String?) throws {
        var error = [CChar](repeating: 0, count: 1024)
        guard let plugin = relay_plugin_open(path, ca, &error, error.count) else {
            throw RelayError(message(error))
        }
        self.plugin = plugin
    }

    var name: String { String(cString: relay_plugin_name(plugin)) }

    func connect(to address: SocketAddress, tfo: Bool, deadline: Deadline) throws(OriginFailure) -> PluginOrigin {
        var first = relay_first_write()
        var error = [CChar](repeating: 0, count: 1024)
        let connection = address.withSockaddr { peer, length in
            relay_plugin_connect(plugin, peer, length, address.host, tfo ? 1 : 0, max(1, deadline.remainingMilliseconds),
                                 &first, &error, error.count)
        }
        let diagnostics = "plug-in \(name); first write \(first.text(expectedAddressLength: Int(address.length)))"
        guard let connection else { throw OriginFailure(message: message(error), diagnostics: diagnostics) }
        return PluginOrigin(connection: connection, diagnostics: diagnostics)
    }
}

/// A connection through a plug-in's BIO. The SSL's waits are bounded by the socket's
/// timeouts, set from the connect's deadline.
final class PluginOrigin: OriginStream {
    private let connection: OpaquePointer
    let diagnostics: String

    init(connection: OpaquePointer, diagnostics: String) {
        self.connection = connection
        self.diagnostics = diagnostics
    }

    func write(_ bytes: [UInt8], deadline: Deadline) throws(OriginFailure) {
        var error = [CChar](repeating: 0, count: 1024)
        guard relay_plugin_write(connection, bytes, bytes.count, &error, error.count) == 0 else {
            throw OriginFailure(message: message(error), diagnostics: diagnostics)
        }
    }

    func read(deadline: Deadline) throws(OriginFailure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var error = [CChar](repeating: 0, count: 1024)
        let count = relay_plugin_read(connection, &buffer, buffer.count, &error, error.count)
        guard count >= 0 else { throw OriginFailure(message: message(error), diagnostics: diagnostics) }
        return Array(buffer.prefix(count))
    }

    func close() {
        relay_plugin_close(connection)
    }
}

extension relay_first_write {
    /// `sendto(MSG_FASTOPEN, addrlen 0) = -1 EINVAL (a correct call passes 16)`, or `none`.
    func text(expectedAddressLength: Int) -> String {
        guard seen != 0 else { return "none" }
        let call = withUnsafeBytes(of: self.call) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let written = FirstWriteText(call: call, flags: flags & Int32(MSG_FASTOPEN) != 0 ? ["MSG_FASTOPEN"] : [],
                                     addressLength: has_address != 0 ? Int(address_length) : nil, result: result,
                                     errnoName: result < 0 ? String(cString: relay_errno_name(error)) : nil)
        guard has_address != 0, Int(address_length) != expectedAddressLength else { return written.description }
        return "\(written) (a correct call passes \(expectedAddressLength))"
    }
}

/// The C side's NUL-terminated message.
private func message(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
