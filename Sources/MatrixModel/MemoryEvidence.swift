/// OpenSSL's allocations around one cell, counted through `CRYPTO_set_mem_functions`.
///
/// Only allocations made on the probing thread during the cell count, so the
/// loopback server's own work never shows up as a leak.
package struct MemoryEvidence: Sendable, Codable, Equatable {
    /// Allocations made during the cell and still live after its connection was freed.
    package var leakedAllocations: Int
    package var leakedBytes: Int
    /// Frees (or reallocs) of pointers OpenSSL never allocated: refused and counted
    /// instead of corrupting the heap.
    package var foreignFrees: Int

    package init(leakedAllocations: Int, leakedBytes: Int, foreignFrees: Int) {
        self.leakedAllocations = leakedAllocations
        self.leakedBytes = leakedBytes
        self.foreignFrees = foreignFrees
    }

    package var isClean: Bool { leakedAllocations == 0 && foreignFrees == 0 }
}
