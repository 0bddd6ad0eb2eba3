internal import COpenSSLCore
#if canImport(Glibc)
import Glibc
#endif

/// Watches the writes of one of OpenSSL's own socket BIOs through `BIO_set_callback_ex`.
///
/// On Linux the socket BIO writes with `write(2)`, never `sendto`: OpenSSL's
/// TFO there goes through `TCP_FASTOPEN_CONNECT`. The callback sees each
/// write's result and errno right after the call, before anything else runs.
package enum SocketBIOObserver {
    /// Watches `bio`; the caller keeps `observer` alive for as long as the BIO.
    package static func attach(_ observer: WriteObserver, toBIO bio: OpaquePointer) {
        proxycore_BIO_set_callback_arg(bio, Unmanaged.passUnretained(observer).toOpaque())
        BIO_set_callback_ex(bio, socketBIOCallback)
    }

    /// Watches the write BIO of `tls` (made by `SSL_set_fd`); `tls` keeps the observer alive.
    static func attach(_ observer: WriteObserver, to tls: TLSConnection) throws(OpenSSLError) {
        guard let bio = SSL_get_wbio(tls.ssl) else { throw OpenSSLError("SSL_get_wbio") }
        attach(observer, toBIO: bio)
        tls.keepAlive(observer)
    }
}

private func socketBIOCallback(bio: OpaquePointer?, operation: Int32, argp: UnsafePointer<CChar>?, length: Int,
                               argi: Int32, argl: Int, ret: Int32, processed: UnsafeMutablePointer<Int>?) -> Int {
    let savedErrno = errno
    if operation == (BIO_CB_WRITE | BIO_CB_RETURN), let bio, let raw = proxycore_BIO_get_callback_arg(bio) {
        let observer = Unmanaged<WriteObserver>.fromOpaque(raw).takeUnretainedValue()
        let result = ret > 0 ? (processed?.pointee ?? Int(ret)) : -1
        observer.record(syscall: .write, flags: [], addressLength: nil, result: result, errno: savedErrno,
                        observedBy: .openSSLSocketBIO)
    }
    errno = savedErrno
    // Pass-through: the callback's answer replaces the operation's.
    return Int(ret)
}
