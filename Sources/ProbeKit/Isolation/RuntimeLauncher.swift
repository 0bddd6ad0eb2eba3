import Foundation

/// How to start a worker that loads a given OpenSSL runtime.
///
/// A folder with its own `ld-linux-x86-64.so.2` is started through that loader
/// with `--library-path`, so the runtime's libc comes along; a folder with just
/// the two libraries (a user's own OpenSSL build) through `LD_LIBRARY_PATH`.
struct RuntimeLauncher: Sendable {
    let spec: RuntimeSpec
    /// The command up to and including the tlsprobe executable.
    let command: [String]
    let environment: [String: String]
    /// The resolved folder the libraries must come from; `nil` for `system`.
    let folder: String?

    static let loaderName = "ld-linux-x86-64.so.2"

    static func make(for spec: RuntimeSpec, executable: String) throws(RuntimeError) -> RuntimeLauncher {
        var environment = ProcessInfo.processInfo.environment
        // A crashing worker should die at once with its signal; Swift's backtracer
        // would spend time symbolicating and, for a raised signal, even resume.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        guard case .folder(let path) = spec else {
            return RuntimeLauncher(spec: spec, command: [executable], environment: environment, folder: nil)
        }
        func fail(_ message: String) -> RuntimeError { RuntimeError(runtime: path, message: message) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail("no such folder")
        }
        guard isDirectory.boolValue else { throw fail("not a folder") }
        let folder = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        for library in ["libssl.so.3", "libcrypto.so.3"] {
            let file = "\(folder)/\(library)"
            guard FileManager.default.fileExists(atPath: file) else { throw fail("has no \(library)") }
            if let problem = ELFCheck.problem(with: file) { throw fail("\(library): \(problem)") }
        }
        let loader = "\(folder)/\(loaderName)"
        if FileManager.default.fileExists(atPath: loader) {
            if let problem = ELFCheck.problem(with: loader) { throw fail("\(loaderName): \(problem)") }
            environment.removeValue(forKey: "LD_LIBRARY_PATH")
            return RuntimeLauncher(spec: spec, command: [loader, "--library-path", folder, executable],
                                   environment: environment, folder: folder)
        }
        environment["LD_LIBRARY_PATH"] = folder
        return RuntimeLauncher(spec: spec, command: [executable], environment: environment, folder: folder)
    }

    /// Refuses a worker whose libssl is not the requested folder's `libssl.so.3`.
    func verify(_ hello: WorkerHello) throws(RuntimeError) {
        guard let folder else { return }
        guard let loaded = hello.openSSL.libsslPath else {
            throw RuntimeError(runtime: spec.name, message: "the worker cannot tell where its libssl came from")
        }
        let resolved = URL(fileURLWithPath: loaded).resolvingSymlinksInPath().path
        let requested = URL(fileURLWithPath: "\(folder)/libssl.so.3").resolvingSymlinksInPath().path
        guard resolved == requested else {
            throw RuntimeError(runtime: spec.name, message: "the worker loaded \(resolved), not \(requested)")
        }
    }
}
