import ArgumentParser
import Foundation
import Matrix
import MatrixModel
import ReportRendering

/// The axes of a matrix run, shared by `matrix` and `gate` so a CI gate probes
/// exactly what the same options would show with `tlsprobe matrix`.
struct MatrixOptions: ParsableArguments {
    /// `both` expands to every value of an axis.
    enum TFOChoice: String, ExpressibleByArgument, CaseIterable {
        case off, on, both
    }

    enum FamilyChoice: String, ExpressibleByArgument, CaseIterable {
        case ipv4, ipv6, both
    }

    enum PhaseChoice: String, ExpressibleByArgument, CaseIterable {
        case handshake, teardown, both
    }

    // The lines in the help and the completion come from `OpenSSLLine` (the completion is a
    // static list, so an installed completion script needs no call back into the binary).
    @Option(name: .customLong("runtime"),
            help: ArgumentHelp(
                "An OpenSSL runtime; repeat for several (default: system; matrix also adds trixie where this host's OpenSSL predates the 3.2 change).",
                discussion: """
                    'system' is the library tlsprobe is linked against. \
                    \(OpenSSLLine.suiteList), or their OpenSSL series \(OpenSSLLine.seriesList), \
                    is that Debian suite's OpenSSL, fetched on first use with apt (signatures checked) into \
                    $XDG_CACHE_HOME/tlsprobe\(MatrixOptions.workerNote); \
                    'all' is every one of them. Anything else is a folder with libssl.so.N and libcrypto.so.N \
                    (write ./trixie for a folder of that name); a bare name that is neither a line nor an existing folder is refused with the valid names. \
                    Repeat --runtime for several: a comma may be part of a folder's path, so it never separates runtimes. \
                    tlsprobe runs nothing from a folder that another user can write.
                    """,
                valueName: "runtime"),
            completion: .list(["system", "all"] + OpenSSLLine.names))
    var runtimes: [String] = []

    @OptionGroup(title: "Fetching runtimes") var fetch: FetchOptions

    @Option(name: .customLong("mode"),
            help: ArgumentHelp("BIO modes to probe, comma-separated or repeated (default: all); each --bio-plugin adds its plugin:NAME.",
                               discussion: "plugin:NAME is the mode of a --bio-plugin (NAME: the NAME= given, tlsprobe_plugin_name(), the file's name without .so, or the folder's name); it runs whatever else --mode names, so --mode plugin:NAME alone probes the plug-in and no built-in mode. A plugin:NAME that no --bio-plugin gives is a usage error.",
                               valueName: "modes"),
            completion: .list(BIOMode.allCases.map(\.rawValue)))
    var modeArguments: [String] = []

    /// The modes of `--mode`, parsed (`validate` has refused a malformed list).
    var modes: [BIOMode] { (try? ModeList.parse(modeArguments, option: "--mode")) ?? [] }

    @Option(help: "TCP Fast Open as the application asks for it.")
    var tfo: TFOChoice = .both

    @Option(help: "Address family of the loopback server.")
    var family: FamilyChoice = .both

    @Option(help: "handshake: connect and echo; teardown: release the connection before its first write (the modes whose BIO holds the application's memory: \(BIOMode.allCases.filter(\.hasTeardown).map(\.rawValue).joined(separator: ", ")); and every plugin:NAME, which runs both phases, since a plug-in's BIO is handed the application's peer record).")
    var phase: PhaseChoice = .both

    /// ` (the 1.1.1 and 4.0 ABIs run the workers installed with tlsprobe)`: the series of the
    /// lines whose libssl this binary cannot load, as `RuntimeLauncher` decides.
    static var workerNote: String {
        let series = RuntimeLauncher.workerLines.map(\.series)
        guard let last = series.last else { return "" }
        let listed = series.count == 1 ? last : series.dropLast().joined(separator: ", ") + " and " + last
        return series.count == 1 ? " (the \(listed) ABI runs the worker installed with tlsprobe)"
                                 : " (the \(listed) ABIs run the workers installed with tlsprobe)"
    }

    /// Longest a cell may take: an hour is far past any real handshake, and keeps deadline arithmetic finite.
    static let timeoutRange = 0.001...3600.0

    // .unconditional: a negative number is a value to refuse with a message, not an unknown flag.
    @Option(parsing: .unconditional, help: "Seconds each cell may take before it is a timeout (more than 0, at most 3600).")
    var timeout: Double = 5

    @Option(name: .customLong("kernel-tfo"), parsing: .unconditional,
            help: ArgumentHelp("tcp_fastopen values (decimal or 0x hex, comma-separated) to probe, each in a private network namespace; needs CAP_SYS_ADMIN and CAP_NET_ADMIN.",
                               valueName: "values"))
    var kernelTFO: String?

    @Option(name: .customLong("bio-plugin"),
            help: ArgumentHelp("Your own BIO (include/tlsprobe/bio-plugin.h): FILE.so, a FOLDER of builds, or NAME=a.so,b.so; adds the mode plugin:NAME to every runtime. Repeat for several plug-ins.",
                               discussion: """
                                   FILE.so runs that one file on every runtime (refused, with the reason, where its OpenSSL ABI is not the runtime's). \
                                   A FOLDER (every *.so in it, not recursive) or NAME=a.so,b.so is one BIO built once per OpenSSL ABI: \
                                   each runtime runs the build whose libssl (its DT_NEEDED: libssl.so.1.1, .3 or .4) it loads, \
                                   so one row follows the BIO across --runtime all; a runtime with no build for its ABI gets unsupported cells naming the ABIs given. \
                                   Two builds for one ABI are a usage error. The name: NAME= wins; for a folder, the builds' agreeing \
                                   tlsprobe_plugin_name(), else the folder's name. An existing path is always taken as a path, so a file or folder whose name holds = or , still works; \
                                   in NAME= lists a comma separates the builds.
                                   """,
                               valueName: "plugin"),
            completion: .file(extensions: ["so"]))
    var plugins: [String] = []

    @Flag(name: .customLong("no-accounting"),
          help: "Run cells without OpenSSL allocation accounting: a foreign free then does what it does in a proxy (glibc aborts, or memory is corrupted), and the crash is reported.")
    var noAccounting = false

    func validate() throws {
        guard timeout > 0, Self.timeoutRange.contains(timeout) else {
            throw ValidationError("--timeout must be a positive number of seconds, at most \(Int(Self.timeoutRange.upperBound)); got \(timeout)")
        }
        _ = try kernelTFOValues()
        _ = try ModeList.parse(modeArguments, option: "--mode")
        for argument in runtimes { try Self.requireRuntime(argument) }
        for argument in plugins {
            switch BIOPluginDescriber.Argument(argument) {
            case .file(let path):
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                    throw ValidationError("--bio-plugin: \(TerminalText.escape(path)) is not a file, a folder, or NAME=a.so,b.so")
                }
            case .folder: break
            case .builds(let name, let paths):
                for path in paths where !FileManager.default.fileExists(atPath: path) {
                    throw ValidationError("--bio-plugin \(TerminalText.escape(name))=…: \(TerminalText.escape(path)) is not a file")
                }
            }
        }
        if phase == .teardown, !modes.isEmpty, !modes.contains(where: \.hasTeardown), plugins.isEmpty {
            throw ValidationError("--phase teardown applies to \(BIOMode.allCases.filter(\.hasTeardown).map(\.rawValue).sorted().joined(separator: ", ")) only")
        }
    }

    var plan: MatrixPlan {
        var plan = MatrixPlan(
            runtimes: runtimes.isEmpty ? [.system] : RuntimeSpec.distinct(runtimes.flatMap(RuntimeSpec.parse)),
            modes: modes.isEmpty ? BIOMode.allCases : modes.uniqued(),
            tfo: tfo == .both ? TFOSetting.allCases : [TFOSetting(rawValue: tfo.rawValue)!],
            families: family == .both ? AddressFamily.allCases : [AddressFamily(rawValue: family.rawValue)!],
            phases: phase == .both ? Phase.allCases : [Phase(rawValue: phase.rawValue)!],
            timeout: timeout
        )
        plan.kernelTFO = ((try? kernelTFOValues()) ?? []).uniqued()
        plan.accounting = !noAccounting
        return plan
    }

    /// A `--runtime` value that reads as a name (`trixy`, `3.2`: no `/`) yet names neither a line
    /// nor anything on disk is a mistyped line, answered with the valid names (and the nearest
    /// suite, within two edits), not with "no such folder". A path, or a name that exists on disk,
    /// is left to the launcher, which says what is wrong with the folder.
    static func requireRuntime(_ argument: String) throws(ValidationError) {
        guard RuntimeSpec.readsAsName(argument), !FileManager.default.fileExists(atPath: argument) else { return }
        let shown = TerminalText.escape(argument)
        // Suites only: a series one digit off (3.2 for 3.0) is another OpenSSL, not a typo.
        let suggestion = Suggestion.nearest(to: argument, in: ["system", "all"] + OpenSSLLine.allCases.map(\.suite))
            .map { " (did you mean '\($0)'?)" } ?? ""
        let suites = OpenSSLLine.allCases.map(\.suite).joined(separator: ", ")
        let series = OpenSSLLine.allCases.map(\.series).joined(separator: ", ")
        let folder = argument.isEmpty ? "a folder" : "a folder (write ./\(shown) for one of that name)"
        throw ValidationError("--runtime: '\(shown)' is neither an OpenSSL line nor a folder\(suggestion); expected system, all, a suite (\(suites)), a series (\(series)), or \(folder)")
    }

    /// `--kernel-tfo 0,1,3,0x607`: decimal or hex, each within the sysctl's 16 bits.
    func kernelTFOValues() throws(ValidationError) -> [Int] {
        try Self.kernelTFOValues(kernelTFO)
    }

    /// `--kernel-tfo`'s values, for `matrix` and `run` alike.
    static func kernelTFOValues(_ kernelTFO: String?) throws(ValidationError) -> [Int] {
        guard let kernelTFO else { return [] }
        var values: [Int] = []
        for part in kernelTFO.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces).lowercased()
            let value = text.hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
            guard let value, (0...0xFFFF).contains(value) else {
                throw ValidationError("--kernel-tfo: '\(TerminalText.escape(String(part)))' is not a tcp_fastopen value; expected numbers from 0 to 65535 (or 0x0 to 0xffff), comma-separated")
            }
            values.append(value)
        }
        return values
    }
}
