import ELFInspection
import Foundation
import MatrixModel
import ProxyCore
import ToolCore

/// How to start a worker that loads a given OpenSSL runtime.
///
/// A folder with its own `ld-linux-x86-64.so.2` is started through that loader
/// with `--library-path`, so the runtime's libc comes along; a folder with just
/// the libraries (a user's own OpenSSL build, or 1.1.1 on the host's libc)
/// through `LD_LIBRARY_PATH`. A folder whose libssl has another ABI than this
/// binary's (`libssl.so.1.1`, `libssl.so.4`) runs a worker built for it.
///
/// Nothing is started from a folder another user could write (`FolderTrust`):
/// the libraries, the loader and the worker are each checked with every folder above them.
package struct RuntimeLauncher: Sendable {
    let spec: RuntimeSpec
    /// The command up to and including the tlsprobe executable.
    let command: [String]
    let environment: [String: String]
    /// The resolved folder the libraries must come from; `nil` for `system`.
    let folder: String?
    /// The folder's libssl soname (`libssl.so.3`); `nil` for `system`.
    let abi: String?

    static let loaderName = "ld-linux-x86-64.so.2"

    /// The libssl soname this binary was built for, from its headers: `libssl.so.3`.
    package static let ownABI = OpenSSLRuntime.headerLibsslSoname

    /// Whether a runtime whose libssl has soname `abi` needs a worker built for it: a program
    /// linked against one libssl soname cannot load another. The one place this is decided,
    /// for a fetched line, a folder of the user's, and the workers a package ships.
    package static func needsWorker(abi: String) -> Bool { abi != ownABI }

    /// The lines this binary cannot load, one per libssl soname (the first line with it, in
    /// `OpenSSLLine`'s order): what `scripts/package` builds and ships workers for, through
    /// `tlsprobe runtime workers`.
    package static var workerLines: [OpenSSLLine] {
        var sonames = Set<String>()
        return OpenSSLLine.allCases.filter { needsWorker(abi: $0.libsslSoname) && sonames.insert($0.libsslSoname).inserted }
    }

    /// A runtime folder checked for use: where its libraries are, their ABI, and its own loader.
    package struct Folder: Sendable {
        /// The resolved folder.
        package let path: String
        /// Its libssl's soname (`libssl.so.3`), read from the file.
        package let abi: String
        /// Its own `ld-linux-x86-64.so.2`, when it has one (its libc comes along).
        package let loader: String?

        /// The libssl a program must load from it.
        package var libssl: String { "\(path)/\(abi)" }
    }

    /// The host's own loader: what starts a program on a folder without one, or on `system`.
    package static let hostLoader = "/lib64/\(loaderName)"

    static func make(for spec: RuntimeSpec, provisioner: RuntimeProvisioner) throws(InputError) -> RuntimeLauncher {
        var environment = ProcessInfo.processInfo.environment
        // A crashing worker should die at once with its signal; Swift's backtracer
        // would spend time symbolicating and, for a raised signal, even resume.
        environment["SWIFT_BACKTRACE"] = "enable=no"
        guard let folder = try resolve(spec, provisioner: provisioner) else {
            return RuntimeLauncher(spec: spec, command: [provisioner.executable], environment: environment, folder: nil, abi: nil)
        }
        func fail(_ message: String) -> InputError { InputError(runtime: spec.name, message: message) }
        func trust(_ file: String) throws(InputError) {
            if let problem = FolderTrust.problem(with: file) { throw fail("refusing to run code from it: \(problem)") }
        }
        var executable = provisioner.executable
        if needsWorker(abi: folder.abi) {
            executable = try provisioner.worker(for: folder.path, abi: folder.abi, runtime: spec.name, own: ownABI)
            if let problem = ELFReader.loadProblem(path: executable) { throw fail("its worker \(executable): \(problem)") }
            try trust(executable)
        }
        if let loader = folder.loader {
            environment.removeValue(forKey: "LD_LIBRARY_PATH")
            return RuntimeLauncher(spec: spec, command: [loader, "--library-path", folder.path, executable],
                                   environment: environment, folder: folder.path, abi: folder.abi)
        }
        environment["LD_LIBRARY_PATH"] = folder.path
        return RuntimeLauncher(spec: spec, command: [executable], environment: environment, folder: folder.path, abi: folder.abi)
    }

    /// The folder `spec` names, fetched if need be and checked: nothing in it runs unless
    /// another user cannot write it, its libraries are ELF for this host, and a folder
    /// tlsprobe fetched still holds what was fetched. `nil` for `system`.
    package static func resolve(_ spec: RuntimeSpec, provisioner: RuntimeProvisioner) throws(InputError) -> Folder? {
        let path: String
        switch spec {
        case .system: return nil
        case .line(let line): path = try provisioner.folder(for: line)
        case .folder(let given): path = given
        }
        func fail(_ message: String) -> InputError { InputError(runtime: spec.name, message: message) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail("no such folder")
        }
        guard isDirectory.boolValue else { throw fail("not a folder") }
        let folder = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        func trust(_ file: String) throws(InputError) {
            if let problem = FolderTrust.problem(with: file) { throw fail("refusing to run code from it: \(problem)") }
        }
        try trust(folder)
        // The loader's --library-path and LD_LIBRARY_PATH split on ':' and ';': such a folder
        // would add others (the current folder among them) to the search.
        if let bad = folder.unicodeScalars.first(where: { $0 == ":" || $0 == ";" || $0.properties.generalCategory == .control }) {
            throw fail("its path \(folder.debugDescription) holds \(String(bad).debugDescription), which the loader's library path cannot carry; move it to a path without one")
        }
        // A folder tlsprobe fetched (the cache's, or a copy of it) carries its manifest: nothing in
        // it runs unless it still holds what was fetched. A line's folder was checked (and
        // fetched again if need be) by the provisioner; a folder given by path is only refused.
        if case .folder = spec, FileManager.default.fileExists(atPath: folder + "/" + CacheManifest.fileName),
           let damage = CacheManifest.damage(in: folder) {
            throw fail("refusing to run code from it: its files are not those recorded when it was fetched (\(damage)); fetch it again with `tlsprobe runtime fetch`")
        }
        let abi = try libssl(in: folder, fail: fail)
        let suffix = String(abi.dropFirst("libssl.so.".count))
        for library in [abi, "libcrypto.so.\(suffix)"] {
            let file = "\(folder)/\(library)"
            guard FileManager.default.fileExists(atPath: file) else { throw fail("has no \(library)") }
            if let problem = ELFReader.loadProblem(path: file) { throw fail("\(library): \(problem)") }
        }
        // Every shared object the loader may take from the folder (libssl, libcrypto, libc, the loader …).
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() where name.contains(".so") {
            try trust("\(folder)/\(name)")
        }
        let loader = "\(folder)/\(loaderName)"
        guard FileManager.default.fileExists(atPath: loader) else { return Folder(path: folder, abi: abi, loader: nil) }
        if let problem = ELFReader.loadProblem(path: loader) { throw fail("\(loaderName): \(problem)") }
        return Folder(path: folder, abi: abi, loader: loader)
    }

    /// The one libssl soname the folder's `libssl.so.*` files declare (`DT_SONAME`),
    /// read from the files rather than taken from their names.
    private static func libssl(in folder: String, fail: (String) -> InputError) throws(InputError) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("libssl.so.") }.sorted()
        var sonames: [String] = []
        for name in names {
            if let problem = ELFReader.loadProblem(path: "\(folder)/\(name)") { throw fail("\(name): \(problem)") }
            guard let soname = try soname(of: "\(folder)/\(name)", fail: fail) else { continue }
            if soname.hasPrefix("libssl.so.") { sonames.append(soname) }
        }
        let distinct = sonames.uniqued()
        guard let abi = distinct.first else { throw fail("has no libssl.so.N (OpenSSL's libssl, with its soname)") }
        guard distinct.count == 1 else { throw fail("holds libssl of several ABIs: \(distinct.joined(separator: ", "))") }
        // The soname names the worker's folder in the cache and its build's scratch folder:
        // only `libssl.so.` and version digits, never a path of the library's choosing.
        guard abi.dropFirst("libssl.so.".count).allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              !abi.hasSuffix("."), !abi.contains("..") else {
            throw fail("its libssl's soname \(abi.debugDescription) is not libssl.so.N")
        }
        return abi
    }

    /// A library's own `DT_SONAME`; `nil` for a file that is not ELF or has none.
    private static func soname(of path: String, fail: (String) -> InputError) throws(InputError) -> String? {
        switch ELFReader.read(path: path) {
        case .notELF: return nil
        case .unreadable(let reason): throw fail("\(path): \(reason)")
        case .elf(let file): return file.soname
        }
    }

    /// The ABI of the libssl the worker loaded: the folder's, or the soname of the file the system's came from.
    func abi(of hello: WorkerHello) -> String? {
        if let abi { return abi }
        guard let path = hello.openSSL.libsslPath else { return nil }
        return try? Self.soname(of: path) { InputError(runtime: spec.name, message: $0) }
    }

    /// Refuses a worker whose libssl is not the requested folder's.
    func verify(_ hello: WorkerHello) throws(InputError) {
        guard let folder, let abi else { return }
        guard let loaded = hello.openSSL.libsslPath else {
            throw InputError(runtime: spec.name, message: "the worker cannot tell where its libssl came from")
        }
        let resolved = URL(fileURLWithPath: loaded).resolvingSymlinksInPath().path
        let requested = URL(fileURLWithPath: "\(folder)/\(abi)").resolvingSymlinksInPath().path
        guard resolved == requested else {
            throw InputError(runtime: spec.name, message: "the worker loaded \(resolved), not \(requested)")
        }
    }
}
