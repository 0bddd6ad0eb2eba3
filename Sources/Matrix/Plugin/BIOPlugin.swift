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
    typealias Check = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int) -> Int32

    /// Room given to `tlsprobe_plugin_check` for its message: a sentence, not a log.
    static let checkMessageSize = 512

    /// Why a plug-in cannot run here; its cells are `unsupported` with it.
    package struct Unavailable: Error, Sendable, CustomStringConvertible {
        package let reason: String
        package var description: String { reason }
    }

    let spec: BIOPluginSpec
    /// The build this worker loaded: the spec's only file, or the one for this runtime's ABI.
    let build: BIOPluginSpec.Build
    let newBIO: NewBIO
    private let connectsItselfFunction: ConnectsItself?
    private let checkFunction: Check?
    private let handle: UnsafeMutableRawPointer

    private init(spec: BIOPluginSpec, build: BIOPluginSpec.Build, handle: UnsafeMutableRawPointer) throws(Unavailable) {
        let path = build.path
        guard let newBIO = dlsym(handle, "tlsprobe_plugin_new_bio") else {
            throw Unavailable(reason: "\(path) does not define tlsprobe_plugin_new_bio, which the plug-in ABI requires" + Self.mangledHint(path))
        }
        if let abi = dlsym(handle, "tlsprobe_plugin_abi") {
            let declared = unsafeBitCast(abi, to: ABI.self)()
            guard declared == Self.abi else {
                throw Unavailable(reason: "\(path) declares plug-in ABI \(declared); this tlsprobe speaks ABI \(Self.abi) (include/tlsprobe/bio-plugin.h): rebuild it against this tlsprobe's header")
            }
        }
        self.spec = spec
        self.build = build
        self.newBIO = unsafeBitCast(newBIO, to: NewBIO.self)
        self.handle = handle
        connectsItselfFunction = dlsym(handle, "tlsprobe_plugin_connects_itself").map { unsafeBitCast($0, to: ConnectsItself.self) }
        checkFunction = dlsym(handle, "tlsprobe_plugin_check").map { unsafeBitCast($0, to: Check.self) }
    }

    /// What the cell records about the plug-in before its connection: the build that runs.
    var evidence: PluginCellEvidence { PluginCellEvidence(build: build.path, libssl: build.libssl) }

    /// Asks `tlsprobe_plugin_check` whether the plug-in's own state survived the connection on
    /// `bio` (still alive: before `SSL_free`); `nil` when the plug-in defines no such hook.
    /// The message is read from a zeroed buffer whose last byte is forced to NUL, so a plug-in
    /// that fills it without terminating it cannot make tlsprobe read past it.
    func check(bio: OpaquePointer?, after: String) -> PluginCellEvidence.Check? {
        guard let checkFunction else { return nil }
        var buffer = [CChar](repeating: 0, count: Self.checkMessageSize)
        let status = buffer.withUnsafeMutableBufferPointer { checkFunction(bio, $0.baseAddress, $0.count) }
        buffer[buffer.count - 1] = 0
        let text = buffer.withUnsafeBufferPointer { String(decoding: $0.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .trimmingCharacters(in: .whitespaces)
        return PluginCellEvidence.Check(status: status, message: cleaned.isEmpty ? nil : cleaned, after: after)
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

    /// Picks the build for this process's OpenSSL ABI, checks the file's own dynamic section
    /// against this process, then `dlopen`s it.
    static func load(_ spec: BIOPluginSpec) throws(Unavailable) -> BIOPlugin {
        let build = try choose(spec)
        if let problem = problem(with: build.path) { throw Unavailable(reason: problem) }
        // RTLD_LOCAL: the plug-in's symbols resolve for it alone, never for libssl.
        guard let handle = dlopen(build.path, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw Unavailable(reason: "cannot load \(build.path): \(message)")
        }
        return try BIOPlugin(spec: spec, build: build, handle: handle)
    }

    /// The build whose OpenSSL ABI is this worker's. A spec of one file keeps it whatever it
    /// needs (`problem(with:)` then says why it cannot load); of several, the one whose libssl
    /// soname is this runtime's, or the reason naming what the builds provide and what it needs.
    static func choose(_ spec: BIOPluginSpec) throws(Unavailable) -> BIOPluginSpec.Build {
        let files = spec.files
        guard spec.choosesByABI else {
            var only = files[0]
            if only.libssl == nil, case .elf(let file) = ELFReader.read(path: only.path) { only.libssl = libssl(of: file) }
            return only
        }
        let builds = files.map { build in
            var build = build
            if build.libssl == nil, case .elf(let file) = ELFReader.read(path: build.path) { build.libssl = libssl(of: file) }
            return build
        }
        if let match = builds.first(where: { $0.libssl == OpenSSLRuntime.headerLibsslSoname }) { return match }
        let provided = builds.map { "\($0.libssl ?? "no OpenSSL ABI") (\($0.path))" }.joined(separator: ", ")
        throw Unavailable(reason: "\(spec.mode.rawValue) has no build for this runtime: its builds are for \(provided); this runtime's OpenSSL is \(runtimeProbed), which needs a build for \(OpenSSLRuntime.headerLibsslSoname)\(buildHint)")
    }

    /// The libssl soname a plug-in file is built for: its libssl's, or its libcrypto's line as
    /// a libssl soname (a BIO may need libcrypto alone); `nil` when it needs neither.
    package static func libssl(of file: ELFFile) -> String? {
        if let ssl = file.needs.first(where: { $0.hasPrefix("libssl.so.") }) { return ssl }
        return file.needs.lazy.compactMap(ELFReader.line).first.map { "libssl.so.\($0)" }
    }

    /// Why the file at `path` cannot be loaded into this process, from its ELF headers
    /// and dynamic section; `nil` when it can be tried.
    static func problem(with path: String) -> String? {
        if let problem = problemBeforeABI(with: path) { return problem }
        guard case .elf(let file) = ELFReader.read(path: path) else { return "\(path) is not an ELF file, so not a shared object" }
        let foreign = foreignNeeds(file)
        if !foreign.isEmpty {
            return "\(path) needs \(foreign.joined(separator: " and ")) (its DT_NEEDED); this runtime's OpenSSL is \(runtimeProbed): build the plug-in against its headers\(buildHint)"
        }
        return nil
    }

    /// Why the file at `path` is no shared object any process of this machine could load,
    /// whatever its OpenSSL: what the parent refuses in a build of several before any worker.
    package static func problemBeforeABI(with path: String) -> String? {
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
