import CLinux
import Foundation
import MatrixModel
import ProxyCore

/// The inside of a worker process: sets up the loopback servers once, then
/// runs its cells one after another, announcing each before it starts.
///
/// `emit` receives the protocol messages; the CLI writes them to the private
/// descriptor 3 its supervisor gave it, never to stdout.
package enum Worker {
    /// Ties the worker's life to its supervisor's: when the parent goes, the kernel
    /// signals the worker (`PR_SET_PDEATHSIG`), which then kills its whole process group,
    /// so that what a plug-in forked goes too (a death signal is not inherited across
    /// fork). A parent that went before that was set (the race the check closes) is
    /// noticed now. `false`: the parent is gone, stop.
    package static func bindToParent(_ configuration: WorkerConfiguration) -> Bool {
        bindToParent(pid: configuration.parent)
    }

    /// `bindToParent` for a worker with no configuration (one asked for a plug-in's name):
    /// a plug-in that hangs there must not outlive a parent killed while it waits.
    package static func bindToParent(pid parent: Int32) -> Bool {
        if tlsprobe_die_with_parent_as_group() != 0 { _ = tlsprobe_set_parent_death_signal(SIGKILL) }
        return getppid() == parent
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
                                                  memoryAccounting: accounting, policyTFOOff: nil, policyTFOOn: nil,
                                                  setupError: setup, namespaceError: namespace)))
        }
        if let namespaceProblem { return refuse(namespace: namespaceProblem) }
        // Each plug-in is announced before its constructors run: if they crash, exit or
        // hang, the supervisor charges that plug-in's cells, not the runtime.
        var plugins: [String: Result<BIOPlugin, BIOPlugin.Unavailable>] = [:]
        for spec in configuration.plugins {
            emit(WorkerMessage(loading: spec.name))
            plugins[spec.name] = Result { () throws(BIOPlugin.Unavailable) in try BIOPlugin.load(spec) }
            emit(WorkerMessage(loaded: spec.name))
        }
        let runner: CellRunner
        do {
            runner = try CellRunner(runtimeName: configuration.runtimeName, families: Set(configuration.cells.map(\.family)),
                                    timeout: configuration.timeout, privateNamespace: configuration.namespaceTFO != nil,
                                    plugins: plugins, raw: !configuration.accounting)
        } catch {
            return refuse(setup: error.description)
        }
        emit(WorkerMessage(hello: WorkerHello(openSSL: .current, environment: runner.environment, memoryAccounting: accounting,
                                              policyTFOOff: runner.connector.strategy(tfo: false),
                                              policyTFOOn: runner.connector.strategy(tfo: true))))
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
