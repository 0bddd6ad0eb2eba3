import MatrixModel

/// A cell that reproduces a broken design was asked to run where nothing contains it.
///
/// The reproductions can make OpenSSL free memory it never allocated (the
/// legacy fast-open BIO's teardown on 3.2+). Only a worker whose OpenSSL
/// allocations are accounted turns that into evidence instead of heap
/// corruption, so only such a worker runs them.
package struct ContainmentError: Error, Sendable, CustomStringConvertible {
    package let cell: Cell

    package var description: String {
        "\(cell.name) reproduces a broken design and runs only in a worker process with OpenSSL's allocations accounted (tlsprobe matrix); this process has no accounting"
    }
}
