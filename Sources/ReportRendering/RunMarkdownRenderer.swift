import RunModel
import ToolCore

/// `tlsprobe run` as GitHub-flavoured Markdown, to paste into a bug report against the
/// program or its distribution: the verdict as the title; the program; one table row per
/// runtime (its OpenSSL, the outcome, the first TLS writes, the request, how the program
/// ended); a diagnosis that names the mechanism when the evidence shows it; the
/// environment (kernel, `tcp_fastopen`, the OpenSSL and libssl each runtime's processes
/// really loaded); each runtime's evidence and stderr in code blocks; the command.
///
/// The diagnosis rests on the observer's evidence, never on a version number: the
/// regression is named only when a first TLS write passed a destination whose length is
/// not what the socket's family needs. Every value from the program (paths, arguments,
/// its stderr) is escaped with `MarkdownRenderer`'s helpers, and the document stays under
/// GitHub's 65,536-character limit by leaving out the per-runtime evidence first.
package struct RunMarkdownRenderer: Sendable {
    package init() {}

    package func render(_ report: RunReport) -> String {
        let full = document(report, evidence: true)
        if full.utf8.count <= MarkdownRenderer.limit { return full }
        return document(report, evidence: false)
    }

    /// `AFFECTED`, `FAILED`, `nothing ran` or `ok`: the worst outcome, for the title.
    static func title(_ report: RunReport) -> String {
        if report.results.contains(where: { $0.outcome == .affected }) { return "AFFECTED" }
        if report.results.contains(where: { $0.outcome.isFailure }) { return "FAILED" }
        return report.nothingRan ? "nothing ran" : "ok"
    }

    private func document(_ report: RunReport, evidence: Bool) -> String {
        var lines = ["## tlsprobe run: \(Self.title(report))", ""]
        lines.append("**Verdict:** \(MarkdownRenderer.text(report.verdict))")
        lines.append("")
        let arguments = report.program.arguments.map { MarkdownRenderer.code(PathShortener.shorten($0), inTable: false) }.joined(separator: " ")
        lines.append("**Program:** \(MarkdownRenderer.code(PathShortener.shorten(report.program.path), inTable: false))\(arguments.isEmpty ? "" : " " + arguments) · \(Self.abi(report.program))")
        if let reason = report.program.unobservableReason {
            lines.append("")
            lines.append("**Unobservable:** \(MarkdownRenderer.text(reason))")
        }
        lines.append("")
        lines.append("tlsprobe \(MarkdownRenderer.text(report.toolVersion)) · \(MarkdownRenderer.text(report.generatedAt)) · host \(MarkdownRenderer.code(report.environment.hostname, inTable: false)), kernel \(MarkdownRenderer.code(report.environment.kernelRelease, inTable: false))")
        lines.append("")
        lines += MarkdownRenderer.table(header: ["runtime", "OpenSSL", "outcome", "first TLS write", "request", "exit"], rows: report.results.map(row))

        lines += ["", "### Diagnosis", ""]
        lines += diagnosis(report)

        lines += ["", "### Environment", ""]
        lines += environment(report)

        if evidence {
            lines += ["", "### Evidence", ""]
            for (index, result) in report.results.enumerated() {
                if index > 0 { lines.append("") }
                lines.append("#### \(MarkdownRenderer.runtimeName(result.name, inTable: false)): \(result.outcome.rawValue)")
                lines.append("")
                lines += MarkdownRenderer.fenced(RunEvidence.lines(result), info: "text")
                if let exit = result.exit, !exit.stderrTail.isEmpty {
                    lines.append("")
                    lines.append("stderr, last \(exit.stderrTail.count == 1 ? "line" : "\(exit.stderrTail.count) lines"):")
                    lines.append("")
                    lines += MarkdownRenderer.fenced(exit.stderrTail, info: "text")
                }
            }
        } else {
            lines += ["", "*Each runtime's evidence and stderr are left out to stay under GitHub's \(MarkdownRenderer.limit)-character limit for an issue; attach the JSON report instead: the same command with `--output json:run.json`.*"]
        }

        lines += ["", "### Command", ""]
        lines += MarkdownRenderer.fenced([MarkdownRenderer.shellCommand(PathShortener.shorten(arguments: report.command))], info: "sh")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `links `libssl.so.3` through `libcurl.so.4``.
    private static func abi(_ program: ProgramFacts) -> String {
        guard let abi = program.abi else { return "links no libssl" }
        guard let from = program.abiFrom, from != program.path else { return "links \(MarkdownRenderer.code(abi, inTable: false))" }
        return "links \(MarkdownRenderer.code(abi, inTable: false)) through \(MarkdownRenderer.code(from, inTable: false))"
    }

    /// `3.5.9` from `OpenSSL 3.5.9 30 Sep 2025`.
    static func shortVersion(_ version: String?) -> String? {
        guard let version else { return nil }
        let words = version.split(separator: " ")
        return words.count > 1 && words[0] == "OpenSSL" ? String(words[1]) : version
    }

    private func row(_ result: ProgramRunResult) -> [String] {
        let failing = result.outcome.isFailure
        let writes = RunEvidence.writes(result, limit: 3).map(MarkdownRenderer.text).joined(separator: "<br>")
        return [MarkdownRenderer.runtimeName(result.name),
                MarkdownRenderer.text(Self.shortVersion(result.openSSLVersion) ?? "-"),
                failing ? "✗ **\(result.outcome.rawValue)**" : result.outcome.rawValue,
                writes.isEmpty ? "-" : writes,
                result.request.map { MarkdownRenderer.text($0.status.map(String.init) ?? "no answer (\($0.error ?? "-"))") } ?? "-",
                result.exit.map { MarkdownRenderer.text($0.summary) } ?? "-"]
    }

    // MARK: Diagnosis

    private func diagnosis(_ report: RunReport) -> [String] {
        let wrong = report.results.filter { $0.writes.contains(where: \.wrongAddressLength) }
        let badFrees = report.results.filter { $0.outcome == .crashed && Self.badFree($0.exit?.glibcMessage) }
        var paragraphs: [String] = []
        if !wrong.isEmpty {
            paragraphs.append(regression(wrong, among: report.results))
        }
        if !badFrees.isEmpty {
            let crashes = badFrees.map { "on \(Self.versionAndName($0)) with glibc's \(MarkdownRenderer.code($0.exit?.glibcMessage ?? "", inTable: false))" }
            paragraphs.append("The program crashed \(crashes.joined(separator: ", ")): memory was freed that was not allocated as it was freed. A BIO with the socket BIO's methods that keeps its own pointer in the BIO data pointer does this on OpenSSL 3.2 and later, whose socket BIO frees that pointer as its own (PostgreSQL ≤ 16.1's `psql` crashed this way). The crash is consistent with that mechanism, not proof of it: the stderr below is what to check.")
        }
        if paragraphs.isEmpty {
            if let reason = report.program.unobservableReason {
                return ["Nothing to diagnose: the observer cannot see this program (\(MarkdownRenderer.text(reason)))."]
            }
            if report.results.contains(where: { $0.outcome.isFailure }) {
                return ["No first TLS write passed a destination of the wrong length: the observer saw no sign of the OpenSSL 3.2 socket-BIO data-pointer regression in these failures. Each runtime's verdict, exit and stderr below say what happened."]
            }
            return ["No finding: no first TLS write passed a destination of the wrong length."]
        }
        paragraphs.append("**What to do:** keep the BIO's own state (a TCP Fast Open destination, a connection record) in BIO ex_data (`BIO_get_ex_new_index`, `BIO_set_ex_data`), never in the data pointer of a BIO with the socket BIO's methods, and use `SSL_set_fd` for connections that do not want TCP Fast Open; on OpenSSL 3.2 and later the socket BIO can do TCP Fast Open itself (`BIO_connect` with `BIO_SOCK_TFO`). Apache Traffic Server's report and fix: [apache/trafficserver#11465](https://github.com/apache/trafficserver/issues/11465), [apache/trafficserver#11501](https://github.com/apache/trafficserver/pull/11501); the crash the same mechanism causes with TFO on: [openssl/openssl#29645](https://github.com/openssl/openssl/issues/29645). `tlsprobe matrix` reproduces each design on each OpenSSL line.")
        return paragraphs.joined(separator: "\n\n").components(separatedBy: "\n")
    }

    /// The mechanism, from the writes that show it, with the runtimes where the same program worked.
    private func regression(_ affected: [ProgramRunResult], among results: [ProgramRunResult]) -> String {
        var sentences: [String] = []
        for result in affected {
            let writes = result.writes.filter(\.wrongAddressLength)
            let calls = writes.map { MarkdownRenderer.code($0.call, inTable: false) + ($0.fastOpen ? " with `MSG_FASTOPEN`" : "") }.uniqued().joined(separator: ", ")
            let lengths = writes.compactMap(\.addressLength).uniqued().map(String.init).joined(separator: "/")
            let needed = writes.compactMap(\.expectedAddressLength).uniqued().map(String.init).joined(separator: "/")
            let answers = writes.map { $0.result < 0 ? MarkdownRenderer.text($0.errnoName ?? $0.errno.map { "errno \($0)" } ?? "an error") : "\($0.result) bytes" }
                .uniqued().joined(separator: ", ")
            sentences.append("On \(Self.versionAndName(result)), the program's first TLS write on \(writes.count) socket\(writes.count == 1 ? "" : "s") was \(calls) passing a destination of length \(lengths) where the socket's family needs \(needed); the kernel answered \(answers).")
        }
        sentences.append("That is the OpenSSL 3.2 socket-BIO data-pointer regression: a BIO built from the socket BIO's methods (`BIO_meth_get_create`, `_ctrl`, `_destroy`) keeps its destination in the BIO data pointer, but since OpenSSL 3.2 the socket BIO owns that pointer. Its create allocates its own zeroed struct there, so the BIO reads OpenSSL's struct as the destination: address family 0, length 0.")
        let fine = results.filter { $0.outcome == .ok }
        if !fine.isEmpty {
            sentences.append("On \(fine.map(Self.versionAndName).joined(separator: ", ")) the same program was ok.")
        }
        return sentences.joined(separator: " ")
    }

    /// `OpenSSL 3.5.9 (`trixie`)`.
    private static func versionAndName(_ result: ProgramRunResult) -> String {
        let name = MarkdownRenderer.runtimeName(result.name, inTable: false)
        guard let version = shortVersion(result.openSSLVersion) else { return name }
        return "OpenSSL \(MarkdownRenderer.text(version)) (\(name))"
    }

    /// glibc's words for freeing what malloc did not hand out.
    static func badFree(_ message: String?) -> Bool {
        guard let message else { return false }
        return ["free(): invalid pointer", "double free", "free(): invalid size", "munmap_chunk(): invalid pointer"].contains { message.contains($0) }
    }

    // MARK: Environment

    private func environment(_ report: RunReport) -> [String] {
        let env = report.environment
        var rows: [[String]] = [
            ["kernel", MarkdownRenderer.code(env.kernelRelease)],
            ["tcp_fastopen", env.tcpFastopen.map { "\($0) (0x\(String($0, radix: 16)))" } ?? "unreadable"],
            ["timeout", "\(RunTextRenderer.number(report.timeoutSeconds)) s"],
        ]
        if let origin = report.origin {
            rows.append(["origin", ([origin.ipv4] + (origin.ipv6.map { [$0] } ?? [])).map { MarkdownRenderer.code($0) }.joined(separator: " ")
                         + (origin.served.map { ", \($0) connection\($0 == 1 ? "" : "s") served" } ?? "")])
        }
        if let request = report.request {
            rows.append(["request", MarkdownRenderer.code("GET " + request)])
        }
        for result in report.results {
            let loaded = RunEvidence.loaded(result)
            let value: String
            if loaded.isEmpty {
                let abi = result.abi.map { MarkdownRenderer.code($0) + ", " } ?? ""
                value = abi + (result.outcome == .unsupported || result.outcome == .skipped ? "not run" : "no process reported its OpenSSL")
            } else {
                value = result.processes.map { process in
                    let version = MarkdownRenderer.text(process.openSSLVersion ?? "no version read")
                    let libssl = process.libssl.isEmpty ? "no libssl" : process.libssl.map { MarkdownRenderer.code(PathShortener.shorten($0)) }.joined(separator: " ")
                    return "\(version), \(libssl)"
                }.uniqued().joined(separator: "<br>")
            }
            rows.append([MarkdownRenderer.runtimeName(result.name), value])
        }
        return MarkdownRenderer.table(header: ["", ""], rows: rows)
    }
}
