import ELFInspection
import Foundation
import MatrixModel
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// A `--bio-plugin` shared object loaded into a worker (`include/tlsprobe/bio-plugin.h`):
/// the functions it defines. Never unloaded: its BIO_METHODs live as long as the process.
///
/// It is loaded only once its own dynamic section says it can be: an ELF shared object
/// of this machine whose libssl/libcrypto (`DT_NEEDED`) are the ABI this worker loaded.
/// Loading one built for another ABI would map a second OpenSSL into the process, and
/// the plug-in's BIOs would be handed to the wrong library.
package final class BIOPlugin: @unchecked Sendable {
    /// The plug-in ABI this tlsprobe speaks: `TLSPROBE_PLUGIN_ABI` of the header.
    package static let abi: Int32 = 1

    typealias NewBIO = @convention(c) (Int32, UnsafePointer<sockaddr>?, socklen_t, Int32) -> OpaquePointer?
    typealias ConnectsItself = @convention(c) (Int32) -> Int32
    typealias Name = @convention(c) () -> UnsafePointer<CChar>?
    typealias ABI = @convention(c) () -> Int32

    /// Why a plug-in cannot run here; its cells are `unsupported` with it.
    package struct Unavailable: Error, Sendable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    let spec: BIOPluginSpec
    let newBIO: NewBIO
    private let connectsItselfFunction: ConnectsItself?
    private let handle: UnsafeMutableRawPointer

    private init(spec: BIOPluginSpec, handle: UnsafeMutableRawPointer) throws(Unavailable) {
        guard let newBIO = dlsym(handle, "tlsprobe_plugin_new_bio") else {
            throw Unavailable(reason: "\(spec.path) does not define tlsprobe_plugin_new_bio, which the plug-in ABI requires" + Self.mangledHint(spec.path))
        }
        if let abi = dlsym(handle, "tlsprobe_plugin_abi") {
            let declared = unsafeBitCast(abi, to: ABI.self)()
            guard declared == Self.abi else {
                throw Unavailable(reason: "\(spec.path) declares plug-in ABI \(declared); this tlsprobe speaks ABI \(Self.abi) (include/tlsprobe/bio-plugin.h): rebuild it against this tlsprobe's header")
            }
        }
        self.spec = spec
        self.newBIO = unsafeBitCast(newBIO, to: NewBIO.self)
        self.handle = handle
        connectsItselfFunction = dlsym(handle, "tlsprobe_plugin_connects_itself").map { unsafeBitCast($0, to: ConnectsItself.self) }
    }

    /// What `tlsprobe_plugin_name()` returns, if it is defined. Asked only by the worker that
    /// describes the plug-in (a bad pointer crashes that worker, which the parent reports);
    /// cell workers already know the name and never call it.
    func ownName() -> String? {
        dlsym(handle, "tlsprobe_plugin_name").flatMap { unsafeBitCast($0, to: Name.self)() }.map { String(cString: $0) }
    }

    /// Whether the plug-in's BIO makes the TCP connection itself (default: with TFO on, as
    /// fast-open BIOs do), or tlsprobe must `connect()` first.
    func connectsItself(tfo: Bool) -> Bool {
        guard let connectsItselfFunction else { return tfo }
        return connectsItselfFunction(tfo ? 1 : 0) != 0
    }

    /// What to do when `dlsym` finds no `tlsprobe_plugin_new_bio` but the file defines it under a
    /// C++ mangled name (`_Z23tlsprobe_plugin_new_bioiPK8sockaddrji`): a C++ plug-in that declares
    /// the function itself, without `extern "C"` (the header's declarations carry it). Read from
    /// the file's dynamic symbol table; empty when there is no such symbol.
    static func mangledHint(_ path: String) -> String {
        let mangled = ELFReader.definedDynamicSymbols(path: path, containing: "tlsprobe_plugin_").filter { $0.hasPrefix("_Z") }
        guard let newBIO = mangled.first(where: { $0.contains("tlsprobe_plugin_new_bio") }) else { return "" }
        let others = mangled.filter { $0 != newBIO }
        let also = others.isEmpty ? "" : " (and \(others.joined(separator: ", ")))"
        return "; it defines the C++ symbol \(newBIO)\(also): declare the plug-in's functions extern \"C\" (as including <tlsprobe/bio-plugin.h> does) so that they keep their C names"
    }

    /// Checks the file's own dynamic section against this process, then `dlopen`s it.
    static func load(_ spec: BIOPluginSpec) throws(Unavailable) -> BIOPlugin {
        if let problem = problem(with: spec.path) { throw Unavailable(reason: problem) }
        // RTLD_LOCAL: the plug-in's symbols resolve for it alone, never for libssl.
        guard let handle = dlopen(spec.path, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw Unavailable(reason: "cannot load \(spec.path): \(message)")
        }
        return try BIOPlugin(spec: spec, handle: handle)
    }

    /// Why the file at `path` cannot be loaded into this process, from its ELF headers
    /// and dynamic section; `nil` when it can be tried.
    static func problem(with path: String) -> String? {
        let file: ELFFile
        switch ELFReader.read(path: path) {
        case .notELF: return "\(path) is not an ELF file, so not a shared object"
        case .unreadable(let reason): return "\(path): \(reason)"
        case .elf(let elf): file = elf
        }
        guard file.type == "shared-object" else {
            return "\(path) is not a shared object (ELF type: \(file.type ?? "unknown")); build it with cc -shared -fPIC"
        }
        if let problem = ELFReader.loadProblem(path: path) { return "\(path): \(problem)" }
        let foreign = foreignNeeds(file)
        if !foreign.isEmpty {
            return "\(path) needs \(foreign.joined(separator: " and ")) (its DT_NEEDED); this runtime's OpenSSL is \(runtimeProbed): build the plug-in against its headers\(buildHint)"
        }
        return nil
    }

    /// The libssl/libcrypto sonames `file` needs that are not this process's ABI (the one its
    /// OpenSSL headers name: in a worker built for 1.1.1 or 4.0, that runtime's).
    static func foreignNeeds(_ file: ELFFile) -> [String] {
        let own = String(OpenSSLRuntime.headerLibsslSoname.dropFirst("libssl.so.".count))
        return file.needs.filter { ELFReader.line($0) != own }
    }

    /// The sonames the plug-in at `path` needs of another OpenSSL ABI than tlsprobe's own
    /// process: the parent asks before it has the plug-in described, since no process of this
    /// ABI can load it (a 1.1.1 plug-in beside a 3.x tlsprobe), while a runtime's worker may.
    package static func foreignNeeds(path: String) -> [String] {
        guard case .elf(let file) = ELFReader.read(path: path) else { return [] }
        return foreignNeeds(file)
    }

    /// The OpenSSL this worker probes, as its loader found it: soname, version, folder
    /// (`libssl.so.1.1 (1.1.1w, from ~/.cache/tlsprobe/…/bullseye)`), never the host's.
    static var runtimeProbed: String {
        let folder = OpenSSLRuntime.current.libsslPath.map { ", from " + ($0 as NSString).deletingLastPathComponent } ?? ""
        return "\(OpenSSLRuntime.headerLibsslSoname) (\(OpenSSLRuntime.current.runtimeVersion)\(folder))"
    }

    /// How to build against the probed runtime's headers when its folder has them (a fetched
    /// line's `pkgconfig/`, as `examples/bio-plugins/build` reads them); empty otherwise.
    static var buildHint: String {
        guard let libssl = OpenSSLRuntime.current.libsslPath else { return "" }
        let pkgconfig = (libssl as NSString).deletingLastPathComponent + "/pkgconfig"
        guard FileManager.default.fileExists(atPath: pkgconfig + "/openssl.pc") else { return "" }
        return " (PKG_CONFIG_PATH=\(pkgconfig) examples/bio-plugins/build)"
    }
}
