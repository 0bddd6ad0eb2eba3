internal import COpenSSLCore

/// Owns a `BIO`, and any chain pushed below it (`BIO_push`), until an `SSL`
/// takes it over with `SSL_set_bio`.
///
/// After the hand-over the `SSL` frees the chain, so this owner must not:
/// `transfer()` records that, and `deinit` frees only what is still ours.
package final class BIOHandle {
    private var owned: OpaquePointer?
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        self.owned = pointer
    }

    /// Gives up ownership; the caller's new owner frees the BIO.
    package func transfer() -> OpaquePointer {
        precondition(owned != nil, "BIO transferred twice")
        owned = nil
        return pointer
    }

    deinit {
        if let owned { BIO_free_all(owned) }
    }
}
