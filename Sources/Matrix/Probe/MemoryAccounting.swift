import COpenSSL
import MatrixModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Accounts every allocation OpenSSL makes in this process, through
/// `CRYPTO_set_mem_functions`, so a cell can say what it leaked and whether
/// OpenSSL tried to free memory it never allocated.
///
/// Installed by the worker before OpenSSL allocates anything (OpenSSL refuses
/// the hooks after its first allocation). A free of a pointer the ledger does
/// not know is counted and *not* passed to `free()`: the legacy design's
/// teardown hazard becomes evidence instead of heap corruption.
enum MemoryAccounting {
    struct Allocation {
        let size: Int
        let thread: pthread_t
        let epoch: Int
    }

    struct Ledger {
        var installed = false
        var live = AllocationTable()
        var epoch = 0
        /// Foreign frees by (thread, epoch).
        var foreignFrees: [ThreadEpoch: Int] = [:]
    }

    struct ThreadEpoch: Hashable {
        let thread: pthread_t
        let epoch: Int
    }

    /// One cell's window: allocations this thread makes until `end` are the cell's.
    struct Window: Sendable {
        let thread: pthread_t
        let epoch: Int
    }

    static let ledger = Mutex(Ledger())

    /// `true` when OpenSSL accepted the hooks; must run before any other OpenSSL call.
    @discardableResult
    static func install() -> Bool {
        let accepted = CRYPTO_set_mem_functions(accountedMalloc, accountedRealloc, accountedFree) == 1
        ledger.withLock { $0.installed = accepted }
        return accepted
    }

    static var isInstalled: Bool { ledger.withLock { $0.installed } }

    /// Starts a cell's window on the calling thread; `nil` when accounting is not installed.
    static func begin() -> Window? {
        ledger.withLock { ledger -> Window? in
            guard ledger.installed else { return nil }
            ledger.epoch += 1
            return Window(thread: pthread_self(), epoch: ledger.epoch)
        }
    }

    /// What the window left behind. Call after every object of the cell is freed.
    static func end(_ window: Window) -> MemoryEvidence {
        ledger.withLock { ledger in
            let leaked = ledger.live.values { $0.thread == window.thread && $0.epoch == window.epoch }
            return MemoryEvidence(leakedAllocations: leaked.count, leakedBytes: leaked.reduce(0) { $0 + $1.size },
                                  foreignFrees: ledger.foreignFrees[ThreadEpoch(thread: window.thread, epoch: window.epoch)] ?? 0)
        }
    }

    fileprivate static func record(_ pointer: UnsafeMutableRawPointer, size: Int) {
        ledger.withLock {
            $0.live.insert(UInt(bitPattern: pointer), Allocation(size: size, thread: pthread_self(), epoch: $0.epoch))
        }
    }

    /// Removes `pointer` from the ledger; `nil` (and a foreign free counted) when it was never OpenSSL's.
    fileprivate static func forget(_ pointer: UnsafeMutableRawPointer) -> Allocation? {
        ledger.withLock { ledger in
            if let allocation = ledger.live.remove(UInt(bitPattern: pointer)) { return allocation }
            ledger.foreignFrees[ThreadEpoch(thread: pthread_self(), epoch: ledger.epoch), default: 0] += 1
            return nil
        }
    }

    fileprivate static func restore(_ pointer: UnsafeMutableRawPointer, _ allocation: Allocation, size: Int) {
        ledger.withLock {
            $0.live.insert(UInt(bitPattern: pointer), Allocation(size: size, thread: allocation.thread, epoch: allocation.epoch))
        }
    }
}

private func accountedMalloc(size: Int, file: UnsafePointer<CChar>?, line: Int32) -> UnsafeMutableRawPointer? {
    guard let pointer = malloc(size) else { return nil }
    MemoryAccounting.record(pointer, size: size)
    return pointer
}

private func accountedRealloc(pointer: UnsafeMutableRawPointer?, size: Int, file: UnsafePointer<CChar>?, line: Int32) -> UnsafeMutableRawPointer? {
    guard let pointer else { return accountedMalloc(size: size, file: file, line: line) }
    if size == 0 {
        accountedFree(pointer: pointer, file: file, line: line)
        return nil
    }
    // A pointer OpenSSL never allocated cannot be resized safely: counted, refused.
    guard let allocation = MemoryAccounting.forget(pointer) else { return nil }
    guard let moved = realloc(pointer, size) else {
        MemoryAccounting.restore(pointer, allocation, size: allocation.size)
        return nil
    }
    MemoryAccounting.restore(moved, allocation, size: size)
    return moved
}

private func accountedFree(pointer: UnsafeMutableRawPointer?, file: UnsafePointer<CChar>?, line: Int32) {
    guard let pointer else { return }
    if MemoryAccounting.forget(pointer) != nil {
        free(pointer)
    }
}
