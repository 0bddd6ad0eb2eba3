import SystemPackage

/// Records the first write a connection's BIO makes.
///
/// A BIO callback gets a raw pointer to this; the connection that owns the
/// BIO keeps the observer alive for at least as long as the BIO.
package final class WriteObserver {
    package private(set) var firstWrite: FirstWrite?
    let expectedAddressLength: Int

    package init(expectedAddressLength: Int) {
        self.expectedAddressLength = expectedAddressLength
    }

    /// `errno` is the C library's, saved right after the call; it is kept only when the call failed.
    package func record(syscall: FirstWrite.Syscall, flags: [String], addressLength: Int?, result: Int, errno: Int32?,
                        observedBy: FirstWrite.Observer) {
        guard firstWrite == nil else { return }
        firstWrite = FirstWrite(syscall: syscall, flags: flags, addressLength: addressLength,
                                expectedAddressLength: expectedAddressLength, result: result,
                                errno: result < 0 ? errno.map(Errno.init(rawValue:)) : nil, observedBy: observedBy)
    }
}
