import Testing
@testable import Matrix

@Suite struct AllocationTableTests {
    func allocation(_ size: Int, epoch: Int = 1) -> MemoryAccounting.Allocation {
        MemoryAccounting.Allocation(size: size, thread: 7, epoch: epoch)
    }

    @Test func insertRemoveAndGrowAgreeWithADictionary() {
        // A small table so the run crosses many rebuilds, with keys that collide on purpose.
        var table = AllocationTable(bits: 2)
        var reference: [UInt: Int] = [:]
        var state: UInt = 0x1234_5678
        for step in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let key = (state >> 33) % 4096 * 16 + 16
            if step % 3 == 2, let size = reference.removeValue(forKey: key) {
                #expect(table.remove(key)?.size == size)
            } else if reference[key] == nil {
                reference[key] = step
                table.insert(key, allocation(step))
            }
            if step % 997 == 0 { #expect(table.count == reference.count) }
        }
        #expect(table.count == reference.count)
        #expect(Set(table.values { _ in true }.map(\.size)) == Set(reference.values))
        for (key, size) in reference {
            #expect(table.remove(key)?.size == size)
        }
        #expect(table.count == 0)
        #expect(table.remove(16) == nil)
    }

    @Test func valuesFiltersLiveEntriesOnly() {
        var table = AllocationTable(bits: 4)
        table.insert(0x1000, allocation(8, epoch: 1))
        table.insert(0x2000, allocation(16, epoch: 2))
        table.insert(0x3000, allocation(32, epoch: 2))
        _ = table.remove(0x3000)
        #expect(table.values { $0.epoch == 2 }.map(\.size) == [16])
    }
}
