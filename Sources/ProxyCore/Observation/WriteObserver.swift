/// Records the first write a connection's BIO makes.
///
/// A BIO callback gets a raw pointer to this; the connection that owns the
/// BIO keeps the observer alive for at least as long as the BIO.
public final class WriteObserver {
    public private(set) var firstWrite: FirstWrite?
    let expectedAddressLength: Int

    public init(expectedAddressLength: Int) {
        self.expectedAddressLength = expectedAddressLength
    }

    package func record(syscall: String, flags: [String], addressLength: Int?, result: Int, errno: Int32?, observedBy: String) {
        guard firstWrite == nil else { return }
        firstWrite = FirstWrite(syscall: syscall, flags: flags, addressLength: addressLength,
                                expectedAddressLength: expectedAddressLength, result: result,
                                errno: result < 0 ? errno : nil, observedBy: observedBy)
    }
}
