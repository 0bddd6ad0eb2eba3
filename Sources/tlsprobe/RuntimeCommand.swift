import ArgumentParser
import Foundation
import Matrix
import MatrixModel
import ReportRendering

/// `tlsprobe runtime fetch trixie …`: fetches Debian lines' OpenSSL into the cache
/// ahead of a run (a CI job's warm-up) and prints each folder, one per line. The
/// folders hold the libraries, their loader and libc, and the headers and
/// pkg-config files a build against that OpenSSL needs.
struct RuntimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Fetch Debian's OpenSSL lines into tlsprobe's cache.",
        subcommands: [Fetch.self, Workers.self]
    )

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch OpenSSL lines into the cache (if not there yet) and print their folders.",
            discussion: """
                Each line comes with apt, through a private configuration: the suite's InRelease signature \
                is checked against the Debian archive keyring and every file against its hash. \
                Exit codes: 0 every line is there; 2 a name is not a line, or a line could not be fetched.
                """
        )

        @Argument(help: ArgumentHelp("\(OpenSSLLine.suiteList), their series \(OpenSSLLine.seriesList), or all.",
                                     valueName: "line"),
                  completion: .list(["all"] + OpenSSLLine.names))
        var names: [String]

        @OptionGroup var fetch: FetchOptions

        var lines: [OpenSSLLine] {
            names.flatMap { name in name == "all" ? OpenSSLLine.allCases : [OpenSSLLine(name: name)].compactMap { $0 } }.uniqued()
        }

        func validate() throws {
            for name in names where name != "all" && OpenSSLLine(name: name) == nil {
                throw ValidationError("'\(TerminalText.escape(name))' is not an OpenSSL line; expected all, \(OpenSSLLine.names.joined(separator: ", "))")
            }
        }

        func run() throws {
            var provisioner = RuntimeProvisioner(executable: MatrixRunner.currentExecutable)
            fetch.apply(to: &provisioner)
            provisioner.step = { runtime, step in Terminal.writeError("tlsprobe: \(runtime): \(step)\n") }
            var failed = false
            for line in lines {
                do {
                    Terminal.write(try provisioner.folder(for: line) + "\n")
                } catch {
                    Terminal.writeError("tlsprobe: \(error)\n")
                    failed = true
                }
            }
            if failed { throw ExitStatus.usage.exitCode }
        }
    }

    /// `tlsprobe runtime workers`: the lines whose libssl this binary cannot load, one per
    /// soname, as `SONAME LINE` lines (`libssl.so.4 experimental`). scripts/package builds and
    /// ships a worker for each, so which workers exist is decided here, as for a run, and
    /// nowhere in a script.
    struct Workers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the OpenSSL lines that need a worker built for their libssl (for packaging).",
            shouldDisplay: false
        )

        func run() {
            for line in RuntimeLauncher.workerLines {
                Terminal.write("\(line.libsslSoname) \(line.suite)\n")
            }
        }
    }
}
