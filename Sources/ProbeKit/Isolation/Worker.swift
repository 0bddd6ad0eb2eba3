import CLinux
import Foundation
import ProxyCore

/// The inside of a worker process: sets up the loopback servers once, then
/// runs its cells one after another, announcing each before it starts.
///
/// `emit` receives the protocol messages; the CLI writes them to stdout.
package enum Worker {
    /// Ties the worker's life to its supervisor's: the kernel kills it when the
    /// parent goes (`PR_SET_PDEATHSIG`), and a parent that went before that was set
    /// (the race the check closes) is noticed now. `false`: the parent is gone, stop.
    package static func bindToParent(_ configuration: WorkerConfiguration) -> Bool {
        _ = tlsprobe_set_parent_death_signal(SIGKILL)
        return getppid() == configuration.parent
    }

    /// What must happen before anything else in the process: entering the private
    /// network namespace (before any thread exists, so every later thread inherits
    /// it) and installing OpenSSL's allocation hooks (before OpenSSL allocates).
    /// Returns why the namespace could not be entered, if it could not.
    package static func prepareProcess(_ configuration: WorkerConfiguration) -> String? {
        var problem: String?
        if let value = configuration.namespaceTFO {
            do {
                try NetworkNamespace.enter(tcpFastopen: value)
            } catch {
                problem = error.description
            }
        }
        if configuration.accounting { MemoryAccounting.install() }
        return problem
    }

    package static func run(_ configuration: WorkerConfiguration, namespaceProblem: String?, emit: (WorkerMessage) -> Void) {
        let accounting = MemoryAccounting.isInstalled
        func refuse(namespace: String? = nil, setup: String? = nil) {
            emit(WorkerMessage(hello: WorkerHello(openSSL: .current, environment: EnvironmentFacts.gather(),
                                                  memoryAccounting: accounting, policyTFOOff: "", policyTFOOn: "",
                                                  setupError: setup, namespaceError: namespace)))
        }
        if let namespaceProblem { return refuse(namespace: namespaceProblem) }
        let runner: CellRunner
        do {
            runner = try CellRunner(runtimeName: configuration.runtimeName, families: Set(configuration.cells.map(\.family)),
                                    timeout: configuration.timeout, privateNamespace: configuration.namespaceTFO != nil,
                                    plugins: BIOPlugin.loadAll(configuration.plugins), raw: !configuration.accounting)
        } catch {
            return refuse(setup: error.description)
        }
        emit(WorkerMessage(hello: WorkerHello(openSSL: .current, environment: runner.environment, memoryAccounting: accounting,
                                              policyTFOOff: runner.connector.strategy(tfo: false).rawValue,
                                              policyTFOOn: runner.connector.strategy(tfo: true).rawValue)))
        let faults = FaultInjection.fromEnvironment()
        faults.strikeAfter(nil)
        runner.warmUp()
        for cell in configuration.cells {
            emit(WorkerMessage(start: cell.name))
            faults.strike(cell)
            emit(WorkerMessage(result: runner.runContained(cell)))
            faults.strikeAfter(cell)
        }
    }
}
