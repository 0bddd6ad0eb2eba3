/// The memory ledger's map from a live allocation's address to what it is:
/// open addressing with linear probing.
///
/// The accounting hooks run for every allocation and free OpenSSL makes (about
/// 130,000 of each in a default matrix). With Swift's `Dictionary` hashing
/// each address with SipHash, the hooks were a quarter of a worker's
/// instructions (callgrind, docs/benchmarks.md); a multiplicative hash over a
/// flat array costs a tenth of that.
///
/// Keys 0 and 1 mark empty and removed slots: no allocation lives at either address.
struct AllocationTable {
    private static let empty: UInt = 0
    private static let removed: UInt = 1

    private var keys: ContiguousArray<UInt>
    private var values: ContiguousArray<MemoryAccounting.Allocation>
    /// log2 of the capacity.
    private var bits: Int
    /// Live entries.
    private(set) var count = 0
    /// Live entries plus removed markers: what the probe sequences must walk past.
    private var occupied = 0

    init(bits: Int = 14) {
        self.bits = bits
        keys = ContiguousArray(repeating: Self.empty, count: 1 << bits)
        values = ContiguousArray(repeating: .placeholder, count: 1 << bits)
    }

    /// Fibonacci hashing: the address times 2^64/φ, top `bits` bits.
    private func home(_ key: UInt) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt(64 - bits))
    }

    mutating func insert(_ key: UInt, _ value: MemoryAccounting.Allocation) {
        precondition(key > Self.removed, "addresses 0 and 1 are the table's markers")
        // Keep probe sequences short: at most half full, counting removed markers;
        // grow when live entries alone pass a quarter, else just sweep the markers.
        if (occupied + 1) * 2 > keys.count { rebuild(bits: count * 4 > keys.count ? bits + 1 : bits) }
        let mask = keys.count - 1
        var index = home(key)
        var reusable: Int?
        while keys[index] != Self.empty {
            if keys[index] == key {
                values[index] = value
                return
            }
            if keys[index] == Self.removed && reusable == nil { reusable = index }
            index = (index + 1) & mask
        }
        if let reusable {
            index = reusable
        } else {
            occupied += 1
        }
        keys[index] = key
        values[index] = value
        count += 1
    }

    /// Removes `key` and returns its value; `nil` when it was not in the table.
    mutating func remove(_ key: UInt) -> MemoryAccounting.Allocation? {
        let mask = keys.count - 1
        var index = home(key)
        while keys[index] != Self.empty {
            if keys[index] == key {
                keys[index] = Self.removed
                count -= 1
                return values[index]
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// The live values `include` accepts.
    func values(where include: (MemoryAccounting.Allocation) -> Bool) -> [MemoryAccounting.Allocation] {
        keys.indices.compactMap { keys[$0] > Self.removed && include(values[$0]) ? values[$0] : nil }
    }

    private mutating func rebuild(bits newBits: Int) {
        let oldKeys = keys
        let oldValues = values
        bits = newBits
        keys = ContiguousArray(repeating: Self.empty, count: 1 << newBits)
        values = ContiguousArray(repeating: .placeholder, count: 1 << newBits)
        count = 0
        occupied = 0
        for index in oldKeys.indices where oldKeys[index] > Self.removed {
            insert(oldKeys[index], oldValues[index])
        }
    }
}

extension MemoryAccounting.Allocation {
    /// What empty slots hold; never read as a live value.
    static let placeholder = MemoryAccounting.Allocation(size: 0, thread: 0, epoch: 0)
}
