import CWriteObserver
import ProxyCore
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The first write of a connection as the C library was asked for it: the
/// worker defines `sendto`, `send`, `sendmsg`, `write`, `writev` (and `close`)
/// itself (module CWriteObserver), so every such call libssl, libcrypto or a BIO
/// plug-in makes passes through it before reaching glibc's. It watches one
/// descriptor at a time: the cell's client socket, from its creation.
///
/// It is the second, independent witness of a first write: the fast-open BIOs
/// and OpenSSL's socket-BIO callback record their own (`FirstWrite.observedBy`),
/// and a cell where the two disagree says so.
enum LibcWriteObserver {

    /// Whether the interposers are what the dynamic linker resolves those calls to here.
    static let active = tlsprobe_libc_observer_active() == 1

    static func watch(_ fd: Int32) {
        tlsprobe_libc_watch(fd)
    }

    /// The watched socket's first write, if it made one; ends the watch.
    static func take(expectedAddressLength: Int) -> FirstWrite? {
        defer { tlsprobe_libc_unwatch() }
        var record = tlsprobe_libc_watched()
        guard record.seen != 0 else { return nil }
        let call = withUnsafeBytes(of: &record.call) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        // CWriteObserver names only the calls it defines, each a `FirstWrite.Syscall`.
        guard let syscall = FirstWrite.Syscall(rawValue: call) else {
            preconditionFailure("CWriteObserver recorded a call it does not define: \(call)")
        }
        let flags = (0..<32).compactMap { bit -> String? in
            let value = Int32(bitPattern: 1 << UInt32(bit))
            guard record.flags & value != 0 else { return nil }
            return tlsprobe_msg_flag_name(value).map { String(cString: $0) } ?? "0x" + String(UInt32(bitPattern: value), radix: 16)
        }
        var write = FirstWrite(syscall: syscall, flags: flags, addressLength: record.has_address != 0 ? Int(record.address_length) : nil,
                               expectedAddressLength: expectedAddressLength, result: record.result,
                               errno: record.result < 0 ? Errno(rawValue: record.error) : nil, observedBy: .libcBoundary)
        if record.has_address != 0 {
            write.destinationFamily = switch record.family {
            case AF_INET: "AF_INET"
            case AF_INET6: "AF_INET6"
            case AF_UNSPEC: "AF_UNSPEC"
            default: "family \(record.family)"
            }
        }
        return write
    }
}
