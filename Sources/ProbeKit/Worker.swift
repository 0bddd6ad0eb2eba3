import Foundation
import ProxyCore

/// The inside of a worker process: sets up the loopback servers once, then
/// runs its cells one after another, announcing each before it starts.
///
/// `emit` receives the protocol messages; the CLI writes them to stdout.
public enum Worker {
    public static func run(_ configuration: WorkerConfiguration, emit: (WorkerMessage) -> Void) {
        let accounting = MemoryAccounting.isInstalled
        let runner: CellRunner
        do {
            runner = try CellRunner(runtimeName: configuration.runtimeName, families: Set(configuration.cells.map(\.family)),
                                    timeout: configuration.timeout)
        } catch {
            emit(WorkerMessage(hello: WorkerHello(openSSL: .current, environment: EnvironmentFacts.gather(),
                                                  memoryAccounting: accounting, policyTFOOff: "", policyTFOOn: "",
                                                  setupError: error.description)))
            return
        }
        emit(WorkerMessage(hello: WorkerHello(openSSL: .current, environment: runner.environment, memoryAccounting: accounting,
                                              policyTFOOff: runner.connector.strategy(tfo: false).rawValue,
                                              policyTFOOn: runner.connector.strategy(tfo: true).rawValue)))
        runner.warmUp()
        for cell in configuration.cells {
            emit(WorkerMessage(start: cell.name))
            if configuration.debugCrash.contains(cell.name) { raise(SIGSEGV) }
            if configuration.debugHang.contains(cell.name) { while true { sleep(3600) } }
            emit(WorkerMessage(result: runner.run(cell)))
        }
    }
}
