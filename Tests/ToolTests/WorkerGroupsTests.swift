@testable import Matrix
@testable import MatrixModel
import Testing

/// `WorkerSupervisor.groups`: which cells share a worker. A plug-in never shares one with the
/// built-in modes or with another plug-in, so its constructors, crashes and forks cost only it.
@Suite struct WorkerGroupsTests {
    static let first = BIOPluginSpec(name: "first", path: "/x/first.so")
    static let second = BIOPluginSpec(name: "second", path: "/x/second.so")

    @Test func eachPluginHasWorkersOfItsOwn() {
        let cells = MatrixPlan(modes: [.plugin("second"), .fd, .plugin("first"), .proxyCore]).cells
        let groups = WorkerSupervisor.groups(of: cells, plugins: [Self.first, Self.second])
        #expect(groups.map(\.plugin?.name) == [nil, "first", "second"])
        #expect(groups[0].cells == cells.filter { $0.mode == .fd || $0.mode == .proxyCore })
        #expect(groups[1].cells == cells.filter { $0.mode == .plugin("first") })
        #expect(groups[2].cells == cells.filter { $0.mode == .plugin("second") })
        // Every cell in exactly one group.
        #expect(groups.flatMap(\.cells).count == cells.count)
    }

    /// A plug-in mode no spec names stays with the built-in modes (its worker says why it cannot
    /// run); a plug-in with no cell here and an empty built-in group give no worker at all.
    @Test func unnamedModesStayWithTheBuiltInsAndEmptyGroupsAreDropped() {
        let cells = MatrixPlan(modes: [.plugin("nobody"), .plugin("first")]).cells
        let groups = WorkerSupervisor.groups(of: cells, plugins: [Self.first, Self.second])
        #expect(groups.map(\.plugin?.name) == [nil, "first"])
        #expect(groups[0].cells.allSatisfy { $0.mode == .plugin("nobody") } && !groups[0].cells.isEmpty)
    }
}
