import MatrixModel
import ToolCore
#if canImport(Glibc)
import Glibc
#endif

/// What a worker is asked to run, and the worker's command line: the one type
/// that writes it (the supervisor) and reads it (the `worker` subcommand).
package struct WorkerConfiguration: Sendable, Equatable {
    package var runtimeName: String
    package var cells: [Cell]
    package var timeout: Double
    /// `tcp_fastopen` for a private network namespace; `nil` runs in the host's namespace as found.
    package var namespaceTFO: Int?
    /// The supervising process: the worker dies with it (`Worker.bindToParent`).
    package var parent: Int32
    /// The plug-ins whose modes the cells may name; loaded in the worker only.
    package var plugins: [BIOPluginSpec] = []
    /// Whether OpenSSL's allocations are accounted (`false`: `--no-accounting`).
    package var accounting = true

    package init(runtimeName: String, cells: [Cell], timeout: Double, namespaceTFO: Int? = nil, parent: Int32 = getpid(),
                 plugins: [BIOPluginSpec] = [], accounting: Bool = true) {
        self.runtimeName = runtimeName
        self.cells = cells
        self.timeout = timeout
        self.namespaceTFO = namespaceTFO
        self.parent = parent
        self.plugins = plugins
        self.accounting = accounting
    }

    /// The worker's arguments (after `tlsprobe worker`).
    package var arguments: [String] {
        var arguments = ["--runtime-name", runtimeName, "--timeout", String(timeout), "--parent", String(parent)]
        if let namespaceTFO { arguments += ["--netns-tfo", String(namespaceTFO)] }
        if !accounting { arguments += ["--accounting", "off"] }
        // One NAME=PATH per build: a plug-in of several builds repeats its name, and the worker
        // takes the build its runtime's ABI needs.
        for plugin in plugins {
            for build in plugin.files { arguments += ["--bio-plugin", "\(plugin.name)=\(build.path)"] }
        }
        for cell in cells { arguments += ["--cell", cell.name] }
        return arguments
    }

    /// The inverse of `arguments`; the error names what is wrong.
    package init(arguments: [String]) throws(InputError) {
        func fail(_ message: String) -> InputError { InputError(source: "worker arguments", message: message) }
        var runtimeName: String?
        var timeout: Double?
        var namespaceTFO: Int?
        var parent: Int32?
        var cells: [Cell] = []
        var plugins: [BIOPluginSpec] = []
        var accounting = true
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw fail("\(flag) needs a value") }
            switch flag {
            case "--runtime-name": runtimeName = value
            case "--timeout":
                guard let seconds = Double(value), seconds > 0, seconds.isFinite else { throw fail("not a timeout: \(value)") }
                timeout = seconds
            case "--netns-tfo":
                guard let bits = Int(value) else { throw fail("not a tcp_fastopen value: \(value)") }
                namespaceTFO = bits
            case "--parent":
                guard let pid = Int32(value), pid > 0 else { throw fail("not a process id: \(value)") }
                parent = pid
            case "--accounting":
                guard ["on", "off"].contains(value) else { throw fail("--accounting is on or off, not \(value)") }
                accounting = value == "on"
            case "--bio-plugin":
                guard let equals = value.firstIndex(of: "="), BIOPluginSpec.isValidName(String(value[..<equals])),
                      value[value.index(after: equals)...].hasPrefix("/") else { throw fail("not NAME=/PATH: \(value)") }
                let name = String(value[..<equals])
                let build = BIOPluginSpec.Build(path: String(value[value.index(after: equals)...]))
                if let index = plugins.firstIndex(where: { $0.name == name }) {
                    plugins[index].builds = (plugins[index].builds ?? []) + [build]
                    plugins[index].path = plugins[index].files.map(\.path).joined(separator: ",")
                } else {
                    plugins.append(BIOPluginSpec(name: name, path: build.path, builds: [build]))
                }
            case "--cell":
                guard let cell = Cell(name: value) else { throw fail("not a cell name: \(value)") }
                cells.append(cell)
            default:
                throw fail("unknown option \(flag)")
            }
        }
        guard let runtimeName, let timeout, let parent else { throw fail("--runtime-name, --timeout and --parent are required") }
        self.init(runtimeName: runtimeName, cells: cells, timeout: timeout, namespaceTFO: namespaceTFO, parent: parent,
                  plugins: plugins, accounting: accounting)
    }
}
